"""Back-office URLs of the supervision part: the committee's workspace, ledger and opinions, the
oversight view for streets and districts, and disclosures.

Navigation entries: `workspace` (监委会工作台), `oversight` (监督总览), `disclosure_list` (公开事项).
Ledger lines and opinions are append-only: there are deliberately no edit or delete URLs for them.
"""

from django.urls import URLPattern, path

from yangguang.backoffice.views import disclosures, workspace

urlpatterns: list[URLPattern] = [
    path("workspace/", workspace.workspace, name="workspace"),
    path("workspace/ledger/", workspace.ledger_view, name="workspace_ledger"),
    path("workspace/ledger/export/", workspace.ledger_download, name="workspace_ledger_export"),
    path("workspace/opinions/", workspace.opinions, name="workspace_opinions"),
    path(
        "workspace/opinions/add/<slug:target_type>/<int:pk>/",
        workspace.opinion_add,
        name="workspace_opinion_add",
    ),
    path("oversight/", workspace.oversight_view, name="oversight"),
    path("disclosures/", disclosures.disclosure_list, name="disclosure_list"),
    path("disclosures/<int:pk>/", disclosures.disclosure_detail, name="disclosure_detail"),
    path("disclosures/<int:pk>/sign/", disclosures.disclosure_sign, name="disclosure_sign"),
    path("disclosures/<int:pk>/publish/", disclosures.disclosure_publish, name="disclosure_publish"),
    path("disclosures/<int:pk>/withdraw/", disclosures.disclosure_withdraw, name="disclosure_withdraw"),
]
