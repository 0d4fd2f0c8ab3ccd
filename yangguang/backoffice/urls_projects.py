"""Back-office URLs of the projects part (惠民项目). Names start with "projects_"."""

from django.urls import URLPattern, path

from yangguang.backoffice.views import projects as views

urlpatterns: list[URLPattern] = [
    path("projects/", views.project_list, name="projects_list"),
    path("projects/new/", views.project_create, name="projects_new"),
    path("projects/<int:pk>/", views.project_detail, name="projects_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="projects_edit"),
    path("projects/<int:pk>/steps/<slug:step>/", views.project_step, name="projects_step"),
    path("projects/<int:pk>/quotes/", views.quote_add, name="projects_quote_add"),
    path("projects/<int:pk>/quotes/<int:quote_pk>/choose/", views.quote_choose, name="projects_quote_choose"),
    path("projects/<int:pk>/spending/", views.spending_add, name="projects_spending_add"),
    path("projects/<int:pk>/progress/", views.progress_add, name="projects_progress_add"),
    path(
        "projects/<int:pk>/progress/<int:progress_pk>/photos/<int:evidence_pk>/",
        views.progress_photo,
        name="projects_progress_photo",
    ),
    path("projects/<int:pk>/acceptance/", views.acceptance_record, name="projects_acceptance"),
    path("projects/<int:pk>/findings/", views.finding_open, name="projects_finding"),
]
