"""Back-office URLs of the supervision part: finance vouchers (报账审核) and the performance evaluation
(履职评价). Names start with "finance_"."""

from django.urls import URLPattern, path

from yangguang.backoffice.views import evaluation, finance

urlpatterns: list[URLPattern] = [
    path("finance/vouchers/", finance.voucher_list, name="finance_voucher_list"),
    path("finance/vouchers/new/", finance.voucher_submit, name="finance_voucher_submit"),
    path("finance/vouchers/disclose/", finance.finance_disclose, name="finance_disclose"),
    path("finance/vouchers/<int:pk>/", finance.voucher_detail, name="finance_voucher_detail"),
    path(
        "finance/vouchers/<int:pk>/receipts/<int:evidence_pk>/",
        finance.voucher_receipt,
        name="finance_voucher_receipt",
    ),
    path("finance/vouchers/<int:pk>/<slug:step>/", finance.voucher_step, name="finance_voucher_step"),
    path("finance/evaluations/", evaluation.evaluation_list, name="finance_evaluation_list"),
    path("finance/evaluations/new/", evaluation.evaluation_open, name="finance_evaluation_open"),
    path("finance/evaluations/<int:pk>/", evaluation.evaluation_detail, name="finance_evaluation_detail"),
    path("finance/evaluations/<int:pk>/rate/", evaluation.evaluation_rate, name="finance_evaluation_rate"),
    path("finance/evaluations/<int:pk>/tally/", evaluation.evaluation_tally, name="finance_evaluation_tally"),
    path("finance/evaluations/<int:pk>/close/", evaluation.evaluation_close, name="finance_evaluation_close"),
    path(
        "finance/evaluations/<int:pk>/disclose/",
        evaluation.evaluation_disclose,
        name="finance_evaluation_disclose",
    ),
]
