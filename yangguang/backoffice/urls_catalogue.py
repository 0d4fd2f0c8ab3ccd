"""Back-office URLs of the supervision part: catalogue (power list, supervision list, uses of a power)."""

from django.urls import URLPattern, path

from yangguang.backoffice.views import catalogue

urlpatterns: list[URLPattern] = [
    path("catalogue/<str:kind>/", catalogue.item_list, name="catalogue_list"),
    path("catalogue/<str:kind>/new/", catalogue.item_add, name="catalogue_add"),
    path("catalogue/<str:kind>/adopt/", catalogue.adopt, name="catalogue_adopt"),
    path("catalogue/<str:kind>/<int:pk>/", catalogue.item_detail, name="catalogue_detail"),
    path("catalogue/<str:kind>/<int:pk>/edit/", catalogue.item_edit, name="catalogue_edit"),
    path("catalogue/<str:kind>/<int:pk>/copy/", catalogue.item_copy, name="catalogue_copy"),
    path("catalogue/<str:kind>/<int:pk>/active/", catalogue.item_active, name="catalogue_active"),
    path("power-uses/", catalogue.use_list, name="catalogue_use_list"),
    path("power-uses/new/", catalogue.use_add, name="catalogue_use_add"),
    path("power-uses/<int:pk>/", catalogue.use_detail, name="catalogue_use_detail"),
    path("power-uses/<int:pk>/edit/", catalogue.use_edit, name="catalogue_use_edit"),
    path("power-uses/<int:pk>/recheck/", catalogue.use_recheck, name="catalogue_use_recheck"),
    path("power-uses/<int:pk>/evidence/", catalogue.use_evidence, name="catalogue_use_evidence"),
    path(
        "power-uses/<int:pk>/evidence/<int:evidence_pk>/",
        catalogue.use_file,
        name="catalogue_use_file",
    ),
]
