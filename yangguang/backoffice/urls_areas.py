"""Back-office URLs for managing areas (included by urls.py): a new child area, name and code, deleting an
empty area, and the import of the area tree. The read-only area pages are in urls_registry.py."""

from django.urls import URLPattern, URLResolver, path, re_path

from yangguang.backoffice.views import areas

urlpatterns: list[URLPattern | URLResolver] = [
    path("areas/<int:pk>/add/", areas.area_add, name="area_add"),
    path("areas/<int:pk>/edit/", areas.area_edit, name="area_edit"),
    path("areas/<int:pk>/delete/", areas.area_delete, name="area_delete"),
    path("areas/import/", areas.area_import, name="area_import"),
    path("areas/import/apply/", areas.area_import_apply, name="area_import_apply"),
    path("areas/import/errors.xlsx", areas.area_import_errors, name="area_import_errors"),
    re_path(
        r"^areas/import/template\.(?P<fmt>xlsx|csv)$", areas.area_import_template, name="area_import_template"
    ),
]
