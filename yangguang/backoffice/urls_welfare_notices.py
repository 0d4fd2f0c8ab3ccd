"""Back-office URLs of public notices (公示) with objections, the payments ledger (发放比对) and the
committee's re-checks (复核核查). Included by urls.py under /office/ (namespace "backoffice"); every name
starts with "notices_".

Navigation (backoffice/notices/_nav.html): `notices_list` (公示), `notices_payments` (发放比对),
`notices_rechecks` (复核核查).
"""

from django.urls import URLPattern, URLResolver, path

from yangguang.backoffice.views import notices, payments

urlpatterns: list[URLPattern | URLResolver] = [
    path("notices/", notices.notice_list, name="notices_list"),
    path("notices/new/", notices.notice_create, name="notices_create"),
    path("notices/<int:pk>/", notices.notice_detail, name="notices_detail"),
    path("notices/<int:pk>/publish/", notices.notice_publish, name="notices_publish"),
    path("notices/<int:pk>/withdraw/", notices.notice_withdraw, name="notices_withdraw"),
    path("notices/<int:pk>/poster/", notices.notice_poster, name="notices_poster"),
    path("notices/objections/", notices.objection_list, name="notices_objections"),
    path("notices/objections/<int:pk>/resolve/", notices.objection_resolve, name="notices_objection_resolve"),
    path("payments/", payments.payment_list, name="notices_payments"),
    path("payments/new/", payments.payment_add, name="notices_payment_add"),
    path("payments/import/", payments.payment_import, name="notices_payment_import"),
    path("payments/import/<int:pk>/", payments.payment_run, name="notices_payment_run"),
    path(
        "payments/import/<int:pk>/errors.xlsx", payments.payment_run_errors, name="notices_payment_run_errors"
    ),
    path("payments/template.<str:fmt>", payments.payment_template, name="notices_payment_template"),
    path("payments/reconcile/", payments.payment_reconcile, name="notices_reconcile"),
    path("payments/household/<int:pk>/", payments.enrollment_payments, name="notices_enrollment_payments"),
    path("rechecks/", payments.recheck_list, name="notices_rechecks"),
    path("rechecks/new/", payments.recheck_open, name="notices_recheck_open"),
    path("rechecks/<int:pk>/", payments.recheck_detail, name="notices_recheck"),
    path("rechecks/<int:pk>/checklist/", payments.recheck_checklist, name="notices_recheck_checklist"),
    path("rechecks/<int:pk>/conclude/", payments.recheck_conclude, name="notices_recheck_conclude"),
    path("rechecks/<int:pk>/act/", payments.recheck_act, name="notices_recheck_act"),
]
