"""Back-office URLs for the registry (included by urls.py): areas, and for each registry model
`<model>_list`, `_add`, `_detail`, `_edit`, `_delete` (see `generic.RegistryViews`)."""

from django.urls import URLPattern, URLResolver, path

from yangguang.backoffice.views import registry

urlpatterns: list[URLPattern | URLResolver] = [
    path("areas/", registry.area_tree, name="area_list"),
    path("areas/<int:pk>/", registry.area_detail, name="area_detail"),
]
for views in registry.VIEWS:
    urlpatterns += views.urls()
