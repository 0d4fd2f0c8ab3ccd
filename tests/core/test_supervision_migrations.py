"""The data migrations of the supervision part, run backwards and forwards on real rows:

- 0012_finding_project links the findings of a welfare project by parsing the marker in their text, only
  when the project is of the inspection's community; reversing leaves the markers in the text;
- 0013_secret_ballots keeps who voted on the elector and re-creates each ballot without its elector, under
  a new id, with the same choices; it cannot be reversed while ballots exist.

Migrations need a transactional test (SQLite alters tables outside a transaction); the database is
migrated forward again whatever happens.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterator

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.conftest import World, make_user
from tests.core.test_committee_elections import setup_election
from tests.core.test_projects import in_progress, pay
from yangguang.core.actions import inspections, projects
from yangguang.core.models import Ballot, Election, Elector, Finding
from yangguang.core.permissions import Role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

FINDING = ("core", "0012_finding_project")
BALLOTS = ("core", "0013_secret_ballots")
# Whatever 0012 follows (the integrator may renumber the migrations of parallel work).
BEFORE_FINDING: tuple[str, str] = importlib.import_module(
    "yangguang.core.migrations.0012_finding_project"
).Migration.dependencies[0]


def migrate(target: tuple[str, str]) -> Apps:
    """Migrate the core app to `target`; the historical models there."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.fixture
def back_to_latest() -> Iterator[None]:
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_findings_are_linked_to_their_project_by_the_marker(world: World, back_to_latest: None) -> None:
    project = in_progress(world)
    pay(world, project, "XM-001", "1,000", "2")
    raised = projects.check_open_finding(world.bob, project, "unsigned")
    marker = projects.finding_marker(project)
    peace_committee = make_user("pat", "潘特", Role.COMMITTEE_MEMBER, world.peace)
    elsewhere = inspections.check_plan_inspection(
        peace_committee,
        world.peace,
        kind="routine",
        title="和平社区检查",
        planned_on=timezone.localdate(),
        points=["财务"],
    )
    inspections.do_start_inspection(peace_committee, elsewhere)
    foreign = inspections.check_add_finding(peace_committee, elsewhere, description=f"抄录了{marker}的问题")
    unknown = inspections.check_add_finding(
        world.bob, raised.inspection, description="提到一个不存在的项目（项目编号 P99999）"
    )
    plain = inspections.check_add_finding(world.bob, raised.inspection, description="台账未按月登记")

    migrate(BEFORE_FINDING)
    apps = migrate(FINDING)
    linked = dict(apps.get_model("core", "Finding").objects.values_list("pk", "project_id"))
    assert linked == {raised.pk: project.pk, foreign.pk: None, unknown.pk: None, plain.pk: None}
    assert marker in Finding.objects.get(pk=raised.pk).description  # the text is left as it was


def test_ballots_lose_their_elector_and_keep_their_choices(world: World, back_to_latest: None) -> None:
    election, electors, (a, b, _c) = setup_election(world)
    apps = migrate(FINDING)  # the schema where a ballot still names its elector
    OldBallot = apps.get_model("core", "Ballot")
    cast = {electors[0].pk: [a.pk, b.pk], electors[1].pk: [a.pk], electors[2].pk: []}
    old_ids = set()
    for elector_pk, choices in cast.items():
        ballot = OldBallot.objects.create(election_id=election.pk, elector_id=elector_pk)
        ballot.choices.set(choices)
        old_ids.add(ballot.pk)

    migrate(BALLOTS)
    ballots = list(Ballot.objects.filter(election=election).prefetch_related("choices"))
    assert Counter(tuple(sorted(c.pk for c in ballot.choices.all())) for ballot in ballots) == Counter(
        tuple(sorted(choices)) for choices in cast.values()
    )
    assert not {ballot.pk for ballot in ballots} & old_ids  # new ids: the old audit entries lead nowhere
    voted = set(Elector.objects.filter(election=election, attended=True).values_list("pk", flat=True))
    assert voted == set(cast)
    with connection.cursor() as cursor:
        columns = {col.name for col in connection.introspection.get_table_description(cursor, "core_ballot")}
    assert columns == {"id", "election_id"}
    assert Election.objects.get(pk=election.pk).candidates.count() == 3

    with pytest.raises(RuntimeError, match="cannot be linked back"):
        migrate(FINDING)
