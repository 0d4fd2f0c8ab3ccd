"""Portal URLs of the public notices pages (公示): the list, one notice with its objection form, and the
confirmation of an objection."""

from django.urls import URLPattern, path

from yangguang.portal.views import notices

urlpatterns: list[URLPattern] = [
    path("notices/", notices.notice_list, name="notices"),
    path("notices/<str:code>/", notices.notice, name="notice"),
    path("notices/<str:code>/objected/<str:tracking>/", notices.objected, name="notice_objected"),
]
