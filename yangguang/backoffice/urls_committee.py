"""Back-office URLs of the supervision part: committee (terms, members, cadre posts, the close-relatives
register, elections and removal motions) and the district's composition rules. Every name starts with
`committee_`."""

from django.urls import URLPattern, path

from yangguang.backoffice.views import committee, committee_rules

urlpatterns: list[URLPattern] = [
    path("committee/", committee.committee_index, name="committee_index"),
    path("committee/area/<int:pk>/", committee.committee_area, name="committee_area"),
    path("committee/rules/", committee_rules.rule_list, name="committee_rules"),
    path(
        "committee/rules/district/<int:pk>/<slug:kind>/new/",
        committee_rules.rule_create,
        name="committee_rule_create",
    ),
    path("committee/rules/<int:pk>/edit/", committee_rules.rule_edit, name="committee_rule_edit"),
    path("committee/area/<int:pk>/terms/new/", committee.committee_term_create, name="committee_term_create"),
    path("committee/area/<int:pk>/posts/", committee.committee_posts, name="committee_posts"),
    path("committee/area/<int:pk>/posts/new/", committee.committee_post_create, name="committee_post_create"),
    path("committee/area/<int:pk>/kinship/", committee.committee_kinship, name="committee_kinship"),
    path(
        "committee/area/<int:pk>/kinship/new/", committee.committee_kinship_add, name="committee_kinship_add"
    ),
    path(
        "committee/area/<int:pk>/kinship/import/",
        committee.committee_kinship_import,
        name="committee_kinship_import",
    ),
    path(
        "committee/kinship/template.xlsx",
        committee.committee_kinship_template,
        name="committee_kinship_template",
    ),
    path(
        "committee/kinship/<int:pk>/delete/",
        committee.committee_kinship_delete,
        name="committee_kinship_delete",
    ),
    path("committee/posts/<int:pk>/end/", committee.committee_post_end, name="committee_post_end"),
    path("committee/terms/<int:pk>/", committee.committee_term, name="committee_term"),
    path(
        "committee/terms/<int:pk>/members/new/",
        committee.committee_member_propose,
        name="committee_member_propose",
    ),
    path(
        "committee/terms/<int:pk>/elections/new/",
        committee.committee_election_create,
        name="committee_election_create",
    ),
    path("committee/members/<int:pk>/", committee.committee_member, name="committee_member"),
    path(
        "committee/members/<int:pk>/<slug:step>/",
        committee.committee_member_step,
        name="committee_member_step",
    ),
    path(
        "committee/removals/<int:pk>/decide/",
        committee.committee_removal_decide,
        name="committee_removal_decide",
    ),
    path("committee/elections/<int:pk>/", committee.committee_election, name="committee_election"),
    path(
        "committee/elections/<int:pk>/<slug:step>/",
        committee.committee_election_step,
        name="committee_election_step",
    ),
]
