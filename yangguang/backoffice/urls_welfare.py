"""Back-office URLs of the welfare part: programs, applications, the roster and its import."""

from django.urls import URLPattern, path, re_path

from yangguang.backoffice.views import welfare, welfare_settings

urlpatterns: list[URLPattern] = [
    path("welfare/programs/", welfare_settings.program_list, name="welfare_programs"),
    path("welfare/programs/add/", welfare_settings.program_edit, name="welfare_program_add"),
    path("welfare/programs/<int:pk>/", welfare_settings.program_detail, name="welfare_program"),
    path("welfare/programs/<int:pk>/edit/", welfare_settings.program_edit, name="welfare_program_edit"),
    path(
        "welfare/programs/<int:pk>/standards/add/", welfare_settings.standard_add, name="welfare_standard_add"
    ),
    path("welfare/rules/", welfare_settings.rule_list, name="welfare_rules"),
    path("welfare/rules/add/", welfare_settings.rule_add, name="welfare_rule_add"),
    path("welfare/applications/", welfare.application_list, name="welfare_applications"),
    path("welfare/applications/new/", welfare.application_new, name="welfare_application_new"),
    path("welfare/applications/<int:pk>/", welfare.application_detail, name="welfare_application"),
    path(
        "welfare/applications/<int:pk>/step/<slug:step>/",
        welfare.application_step,
        name="welfare_application_step",
    ),
    path("welfare/applications/<int:pk>/members/add/", welfare.member_add, name="welfare_member_add"),
    path(
        "welfare/applications/<int:pk>/members/<int:member_pk>/",
        welfare.member_edit,
        name="welfare_member_edit",
    ),
    path(
        "welfare/applications/<int:pk>/members/<int:member_pk>/remove/",
        welfare.member_remove,
        name="welfare_member_remove",
    ),
    path("welfare/applications/<int:pk>/letter/", welfare.refusal_letter, name="welfare_refusal_letter"),
    path("welfare/roster/", welfare.enrollment_list, name="welfare_enrollments"),
    path("welfare/roster/<int:pk>/", welfare.enrollment_detail, name="welfare_enrollment"),
    path("welfare/roster/<int:pk>/<slug:act>/", welfare.enrollment_act, name="welfare_enrollment_act"),
    path("welfare/import/", welfare.roster_import, name="welfare_import"),
    re_path(
        r"^welfare/import/template\.(?P<fmt>xlsx|csv)$",
        welfare.roster_import_template,
        name="welfare_import_template",
    ),
    path("welfare/import/<int:pk>/", welfare.roster_import_run, name="welfare_import_run"),
    path("welfare/import/<int:pk>/errors.xlsx", welfare.roster_import_errors, name="welfare_import_errors"),
]
