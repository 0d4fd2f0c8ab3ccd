"""Back-office URLs for imports and exports (included by urls.py)."""

from django.urls import URLPattern, URLResolver, path, re_path

from yangguang.backoffice.views import imports

urlpatterns: list[URLPattern | URLResolver] = [
    path("import/", imports.import_index, name="import"),
    re_path(r"^import/template\.(?P<fmt>xlsx|csv)$", imports.import_template, name="import_template"),
    path("import/<int:pk>/", imports.import_run, name="import_run"),
    path("import/<int:pk>/errors.xlsx", imports.import_errors, name="import_errors"),
    re_path(
        r"^export/(?P<kind>persons|households|dwellings)\.(?P<fmt>xlsx|csv)$", imports.export, name="export"
    ),
]
