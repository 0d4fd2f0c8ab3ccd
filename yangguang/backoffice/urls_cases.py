"""Back-office URLs for cases (included by urls.py under /office/, namespace "backoffice").

Navigation entries: `case_queue` (工作台 · 诉求办理), `case_intake` (登记诉求), `inbox` (站内消息),
`case_metrics` (办理指标), `case_settings` (诉求设置, district administrators only).
"""

from django.urls import URLPattern, URLResolver, path

from yangguang.backoffice.views import case_settings, cases

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", cases.queue, name="case_queue"),
    path("cases/new/", cases.intake, name="case_intake"),
    path("cases/metrics/", cases.metrics, name="case_metrics"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/step/<slug:step>/", cases.case_step, name="case_step"),
    path("cases/<int:pk>/comment/", cases.case_comment, name="case_comment"),
    path("cases/<int:pk>/triage/", cases.case_triage, name="case_triage"),
    path("cases/<int:pk>/reveal/", cases.case_reveal, name="case_reveal"),
    path("cases/<int:pk>/files/<int:attachment_pk>/", cases.case_attachment, name="case_attachment"),
    path("inbox/", cases.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", cases.inbox_read, name="inbox_read"),
    path("inbox/read-all/", cases.inbox_read_all, name="inbox_read_all"),
    path("cases/settings/", case_settings.index, name="case_settings"),
    path(
        "cases/settings/categories/<int:pk>/toggle/",
        case_settings.category_toggle,
        name="case_category_toggle",
    ),
    path("cases/settings/<slug:section>/", case_settings.setting_list, name="case_setting_list"),
    path("cases/settings/<slug:section>/add/", case_settings.setting_edit, name="case_setting_add"),
    path("cases/settings/<slug:section>/<int:pk>/", case_settings.setting_edit, name="case_setting_edit"),
    path(
        "cases/settings/<slug:section>/<int:pk>/delete/",
        case_settings.setting_delete,
        name="case_setting_delete",
    ),
]
