"""Back-office URLs of the supervision part: inspections, rectification notices and bulletins (included by
urls.py under /office/, namespace "backoffice"; every name starts with "insp_").

Navigation entries: `insp_list` (监督检查) and `insp_rect_list` (整改通知) for VIEW_SUPERVISION,
`insp_bulletin_list` (通报) for OVERSEE.
"""

from django.urls import URLPattern, URLResolver, path

from yangguang.backoffice.views import inspections as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("inspections/", views.inspection_list, name="insp_list"),
    path("inspections/new/", views.inspection_plan, name="insp_plan"),
    path("inspections/<int:pk>/", views.inspection_detail, name="insp_detail"),
    path("inspections/<int:pk>/start/", views.inspection_start, name="insp_start"),
    path("inspections/<int:pk>/checks/<int:check_pk>/", views.inspection_check, name="insp_check"),
    path("inspections/<int:pk>/findings/", views.inspection_finding, name="insp_finding"),
    path(
        "inspections/<int:pk>/findings/<int:finding_pk>/rectify/",
        views.inspection_rectify,
        name="insp_rectify",
    ),
    path("inspections/<int:pk>/complete/", views.inspection_complete, name="insp_complete"),
    path("inspections/<int:pk>/cancel/", views.inspection_cancel, name="insp_cancel"),
    path(
        "inspections/<int:pk>/evidence/<int:evidence_pk>/",
        views.inspection_evidence,
        name="insp_evidence",
    ),
    path("rectifications/", views.rectification_list, name="insp_rect_list"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="insp_rect_detail"),
    path("rectifications/<int:pk>/print/", views.rectification_print, name="insp_rect_print"),
    path("rectifications/<int:pk>/verify/", views.rectification_verify, name="insp_rect_verify"),
    path("rectifications/<int:pk>/report/", views.rectification_report, name="insp_rect_report"),
    path("bulletins/", views.bulletin_list, name="insp_bulletin_list"),
    path("bulletins/new/", views.bulletin_new, name="insp_bulletin_new"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="insp_bulletin_detail"),
    path("bulletins/<int:pk>/disclose/", views.bulletin_disclose, name="insp_bulletin_disclose"),
]
