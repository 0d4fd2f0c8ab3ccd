"""Public resident portal URLs: no login; every page works without JavaScript."""

from django.urls import include, path

from yangguang.portal import urls_disclosures, urls_notices, urls_projects
from yangguang.portal.views import home, posters, report, tracking

app_name = "portal"

urlpatterns = [
    path("", home.index, name="index"),
    # Reporting a problem; /q/<compound>/ is what a compound's QR poster opens.
    path("report/", report.report, name="report"),
    path("c/<int:community_id>/report/", report.community_report, name="community_report"),
    path("q/<int:compound_id>/", report.qr_report, name="qr_report"),
    # The private follow-up link (tracking code) and the public pages.
    path("t/", tracking.lookup, name="lookup"),
    path("t/<str:code>/", tracking.tracking, name="tracking"),
    path("t/<str:code>/done/", tracking.done, name="report_done"),
    path("t/<str:code>/rate/", tracking.rate, name="rate"),
    path("t/<str:code>/files/<int:attachment_id>/", tracking.attachment, name="attachment"),
    path("cases/<str:number>/", home.case_status, name="case"),
    path("c/<int:community_id>/", home.board, name="board"),
    # QR posters for notice boards.
    path("c/<int:community_id>/poster/", posters.community_poster, name="community_poster"),
    path("c/<int:community_id>/poster.svg", posters.community_poster_svg, name="community_poster_svg"),
    path("c/<int:community_id>/poster.png", posters.community_poster_png, name="community_poster_png"),
    path("q/<int:compound_id>/poster/", posters.compound_poster, name="compound_poster"),
    path("q/<int:compound_id>/poster.svg", posters.compound_poster_svg, name="compound_poster_svg"),
    path("q/<int:compound_id>/poster.png", posters.compound_poster_png, name="compound_poster_png"),
    # Disclosures, welfare notices (公示) with objections, welfare projects: one module each.
    path("", include(urls_disclosures)),
    path("", include(urls_notices)),
    path("", include(urls_projects)),
]
