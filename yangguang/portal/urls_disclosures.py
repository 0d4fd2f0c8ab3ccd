"""Portal URLs of the public disclosures pages (included by urls.py into the "portal" namespace)."""

from django.urls import URLPattern, path

from yangguang.portal.views import disclosures

urlpatterns: list[URLPattern] = [
    path("disclosures/", disclosures.index, name="disclosures"),
    path("disclosures/c/<int:community_id>/", disclosures.community, name="disclosure_list"),
    path("disclosures/<int:pk>/", disclosures.detail, name="disclosure_detail"),
]
