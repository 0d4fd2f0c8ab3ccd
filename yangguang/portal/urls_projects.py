"""Portal URLs of the public projects pages (惠民项目): the district's projects, a community's projects,
one project with its feedback form, and the photos of its public progress reports."""

from django.urls import URLPattern, path

from yangguang.portal.views import projects

urlpatterns: list[URLPattern] = [
    path("projects/", projects.project_index, name="project_index"),
    path("projects/c/<int:community_id>/", projects.community_projects, name="projects"),
    path("projects/<int:pk>/", projects.project, name="project"),
    path("projects/<int:pk>/photos/<int:evidence_pk>/", projects.photo, name="project_photo"),
]
