"""Back-office URLs for the audit trail (included by urls.py)."""

from django.urls import URLPattern, URLResolver, path

from yangguang.backoffice.views import audit

urlpatterns: list[URLPattern | URLResolver] = [
    path("audit/", audit.audit_list, name="audit_list"),
    path("audit/<int:pk>/", audit.audit_detail, name="audit_detail"),
]
