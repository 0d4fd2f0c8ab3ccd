"""Elections of the committee by the residents' representative assembly (ballots or a paper count: quorum,
majority, a tie at the last seat), publication as a masked disclosure, and removal motions (one fifth)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import World
from tests.core.test_committee import TODAY, cadre, fake_id, new_term, resident
from yangguang.core.actions import committee, elections, ledger
from yangguang.core.models import (
    Activity,
    AuditEntry,
    Ballot,
    Candidate,
    CommitteeMember,
    CommitteeTerm,
    Disclosure,
    Election,
    Elector,
    Person,
    RemovalMotion,
)


def setup_election(
    world: World, *, electors: int = 5, candidates: int = 3, seats: int = 2, method: str = "ballots"
) -> tuple[Election, list[Elector], list[Candidate]]:
    term = new_term(world)
    election = elections.check_create_election(world.alice, term, held_on=TODAY, seats=seats, method=method)
    people = [resident(world, f"代表{i}", 100 + i) for i in range(electors)]
    elections.do_add_electors(world.alice, election, people)
    names = ["赵一鸣", "钱二丽", "孙三立", "李四海"]
    for i in range(candidates):
        elections.check_add_candidate(
            world.alice, election, resident(world, names[i], 200 + i), group="ordinary", has_accounting=i == 0
        )
    elections.do_open_voting(world.alice, election)
    return election, list(election.electors.order_by("pk")), list(election.candidates.order_by("pk"))


def vote(world: World, election: Election, voters: list[Elector], *ballots: list[Candidate]) -> None:
    """A secret vote: the representatives who voted are recorded first, then the ballots from the box."""
    elections.check_record_voters(world.alice, election, voters)
    for choices in ballots:
        elections.check_cast_ballot(world.alice, election, choices)


def test_ineligible_candidate_is_rejected_with_the_reason(world: World) -> None:
    term = new_term(world)
    election = elections.check_create_election(world.alice, term, held_on=TODAY, seats=1)
    wang = cadre(world, "王大明", 2)
    with pytest.raises(ValidationError) as exc:
        elections.check_add_candidate(world.alice, election, wang, group="party")
    assert "王大明现任居（村）民委员会委员" in exc.value.messages[0]
    assert not Candidate.objects.exists()


def test_election_rules_on_creation_and_opening(world: World) -> None:
    term = new_term(world)
    with pytest.raises(ValidationError) as exc:
        elections.check_create_election(world.alice, term, held_on=TODAY, seats=0, quorum_percent=0)
    assert set(exc.value.message_dict) == {"seats", "quorum_percent"}
    election = elections.check_create_election(world.alice, term, held_on=TODAY, seats=2)
    with pytest.raises(ValidationError) as exc:
        elections.check_create_election(world.alice, term, held_on=TODAY, seats=2)
    assert "筹备中或投票中" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        elections.do_open_voting(world.alice, election)
    assert "请先登记选举人" in str(exc.value)
    elections.do_add_electors(world.alice, election, [world.person])
    with pytest.raises(ValidationError) as exc:
        elections.do_open_voting(world.alice, election)
    assert "少于应选人数" in str(exc.value)
    with pytest.raises(ValidationError):
        elections.do_add_electors(world.alice, election, [world.other_person])


def test_ballots_quorum_met_and_majority_decides(world: World) -> None:
    election, electors, (a, b, c) = setup_election(world)
    vote(world, election, electors[:4], [a, b], [a, b], [a, c], [a])
    elections.do_count_election(world.alice, election)
    election.refresh_from_db()
    result = election.result
    assert election.status == Election.Status.COUNTED
    assert (result["electorate"], result["attended"], result["need"]) == (5, 4, 3)
    assert result["elected"] == [a.pk]  # b has 2 of 4: not more than half
    assert result["unfilled"] == 1
    assert result["explanation"][0] == "应到选举人5人，实到4人（80.0%），达到67%的到会要求，选举有效。"
    assert "钱二丽得2票，未超过规定比例，未当选。" in result["explanation"]
    assert "应选2人，当选1人，尚缺1人，需另行选举。" in result["explanation"]
    assert Activity.objects.filter(kind="election", source_id=str(election.pk)).exists()


def test_inquorate_election_is_void_with_the_reason(world: World) -> None:
    election, electors, (a, b, _c) = setup_election(world)
    vote(world, election, electors[:3], [a, b], [a, b], [a, b])
    elections.do_count_election(world.alice, election)
    election.refresh_from_db()
    assert election.status == Election.Status.VOID
    assert election.result["reason"] == "应到选举人5人，实到3人（60.0%），未达到67%的到会要求，选举无效。"
    with pytest.raises(ValidationError):
        elections.check_publish_result(world.alice, election)


def test_tie_at_the_last_seat_is_reported_not_broken(world: World) -> None:
    election, electors, (a, b, c) = setup_election(world, electors=8)
    vote(world, election, electors, *[[a, b]] * 3, *[[a, c]] * 3, [b, c], [b, c])
    elections.do_count_election(world.alice, election)
    result = Election.objects.get(pk=election.pk).result
    assert result["need"] == 5
    assert result["elected"] == [a.pk] and sorted(result["tie"]) == sorted([b.pk, c.pk])
    assert result["unfilled"] == 1
    assert "钱二丽得5票，与其他候选人并列争最后名额，未当选，需另行选举。" in result["explanation"]


def test_tally_tie_for_a_single_seat_leaves_it_open(world: World) -> None:
    election, electors, (a, b, c) = setup_election(world, electors=4, seats=1)
    vote(world, election, electors, [a], [a], [a], [b])
    elections.do_count_election(world.alice, election)
    assert Election.objects.get(pk=election.pk).result["elected"] == [a.pk]

    election2 = elections.check_create_election(
        world.alice, election.term, held_on=TODAY, seats=1, method="tally", majority_percent=30
    )
    elections.do_add_electors(world.alice, election2, [e.person for e in electors])
    for candidate in (b, c):
        elections.check_add_candidate(world.alice, election2, candidate.person, group="ordinary")
    elections.do_open_voting(world.alice, election2)
    b2, c2 = election2.candidates.order_by("pk")
    present = set(election2.electors.values_list("pk", flat=True))
    elections.check_record_tally(world.alice, election2, attended=present, tallies={b2.pk: 2, c2.pk: 2})
    elections.do_count_election(world.alice, election2)
    result = Election.objects.get(pk=election2.pk).result
    assert result["elected"] == [] and sorted(result["tie"]) == sorted([b2.pk, c2.pk])
    assert result["unfilled"] == 1
    assert "钱二丽得2票，与其他候选人并列争最后名额，未当选，需另行选举。" in result["explanation"]


def test_ballot_rules(world: World) -> None:
    election, electors, (a, b, c) = setup_election(world)
    with pytest.raises(ValidationError) as exc:
        elections.check_cast_ballot(world.alice, election, [a])
    assert "请先登记领取并投出选票的选举人" in str(exc.value)
    elections.check_record_voters(world.alice, election, electors[:2])
    with pytest.raises(ValidationError) as exc:
        elections.check_record_voters(world.alice, election, [electors[1], electors[2]])
    assert "代*1已登记投票，每人只能投一次" in str(exc.value)
    assert not Elector.objects.get(pk=electors[2].pk).attended  # refused as a whole
    with pytest.raises(ValidationError) as exc:
        elections.check_cast_ballot(world.alice, election, [a, b, c])
    assert "最多可选2人" in str(exc.value)
    other_term = new_term(world, area=world.village)
    other = elections.check_create_election(None, other_term, held_on=TODAY, seats=1)
    stranger = elections.check_add_candidate(
        None,
        other,
        Person.objects.create(area=world.village, name="外人", sex="M", birth_date=TODAY),
        group="party",
    )
    with pytest.raises(ValidationError) as exc:
        elections.check_cast_ballot(world.alice, election, [stranger])
    assert "只能选择本次选举的候选人" in str(exc.value)
    with pytest.raises(ValidationError):
        elections.check_record_tally(world.alice, election, attended=set(), tallies={})
    elections.check_cast_ballot(world.alice, election, [a])
    elections.check_cast_ballot(world.alice, election, [])  # a blank ballot
    with pytest.raises(ValidationError) as exc:
        elections.check_cast_ballot(world.alice, election, [b])
    assert "选票不能多于投票人数" in str(exc.value)
    assert election.ballots.count() == 2


def test_no_voter_can_be_added_once_ballots_are_entered(world: World) -> None:
    election, electors, (a, _b, _c) = setup_election(world)
    elections.check_record_voters(world.alice, election, electors[:1])
    elections.check_record_voters(world.alice, election, electors[1:3])  # in several batches: fine
    elections.check_cast_ballot(world.alice, election, [a])
    with pytest.raises(ValidationError) as exc:
        elections.check_record_voters(world.alice, election, [electors[3]])
    assert "须在录入第一张选票前登记全部投票人" in str(exc.value)
    assert election.electors.filter(attended=True).count() == 3


def test_a_ballot_cannot_be_traced_to_its_voter(world: World) -> None:
    election, electors, (a, b, _c) = setup_election(world)
    vote(world, election, electors[:3], [a], [b], [])
    # The ballot has no column that points to an elector or a person, and keeps no time of its own.
    columns = {field.name for field in Ballot._meta.get_fields()}
    assert columns == {"id", "election", "choices"}
    assert {field.related_model for field in Ballot._meta.get_fields() if field.is_relation} == {
        Election,
        Candidate,
    }
    # The audit trail names the voters on the election, never on a ballot, and never the choices.
    entries = AuditEntry.objects.filter(target_type="ballot")
    assert entries.count() == 3
    for entry in entries:
        assert "代" not in entry.target_repr and entry.changes == {}
    voters = AuditEntry.objects.get(target_type="election", changes__has_key="voters")
    assert voters.changes == {"voters": [None, 3]}
    assert [e.attended for e in Elector.objects.filter(election=election).order_by("pk")] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_staff_of_another_community_cannot_record_voters_or_ballots(world: World) -> None:
    election, electors, (a, _b, _c) = setup_election(world)
    with pytest.raises(PermissionDenied):
        elections.check_record_voters(world.carol, election, electors[:1])
    with pytest.raises(PermissionDenied):
        elections.check_cast_ballot(world.bob, election, [a])
    assert not election.ballots.exists()


def test_tally_method_checks_the_counts(world: World) -> None:
    election, electors, (a, b, c) = setup_election(world, method="tally")
    present = {e.pk for e in electors[:4]}
    with pytest.raises(ValidationError) as exc:
        elections.check_record_tally(world.alice, election, attended=present, tallies={a.pk: 5, b.pk: 1})
    assert "超过到会人数4人" in str(exc.value) and "请填写孙三立的得票数" in str(exc.value)
    with pytest.raises(ValidationError):
        elections.do_count_election(world.alice, election)  # nothing recorded yet
    with pytest.raises(ValidationError):
        elections.check_record_voters(world.alice, election, [electors[0]])
    with pytest.raises(ValidationError):
        elections.check_cast_ballot(world.alice, election, [a])
    elections.check_record_tally(world.alice, election, attended=present, tallies={a.pk: 4, b.pk: 3, c.pk: 1})
    elections.do_count_election(world.alice, election)
    election.refresh_from_db()
    assert election.status == "counted"
    assert election.result["attended"] == 4 and election.result["elected"] == [a.pk, b.pk]


def test_publication_seats_the_elected_and_drafts_a_masked_disclosure(world: World) -> None:
    election, electors, (a, b, c) = setup_election(world)
    vote(world, election, electors[:4], *[[a, b]] * 4)
    elections.do_count_election(world.alice, election)
    disclosure = elections.check_publish_result(world.alice, election)
    election.refresh_from_db()
    assert election.status == "published" and election.published_at is not None
    assert disclosure.kind == "election_result" and disclosure.status == Disclosure.Status.DRAFT
    text = json.dumps(disclosure.payload, ensure_ascii=False)
    for person in (a.person, b.person, c.person):
        assert person.name not in text
        assert fake_id(200) not in text and person.id_number_masked not in text
    assert [row["name"] for row in disclosure.payload["candidates"]] == ["赵*鸣", "钱*丽", "孙*立"]
    assert disclosure.payload["attended"] == 4 and disclosure.payload["held_on"] == TODAY.isoformat()
    seated = CommitteeMember.objects.filter(term=election.term, status="serving")
    assert {m.person_id for m in seated} == {a.person_id, b.person_id}
    assert elections.election_disclosure(election) == disclosure
    with pytest.raises(PermissionDenied):
        ledger.do_sign_disclosure(world.alice, disclosure)
    ledger.do_sign_disclosure(world.bob, disclosure)
    ledger.do_publish_disclosure(world.alice, disclosure)
    assert disclosure.status == Disclosure.Status.PUBLISHED
    with pytest.raises(ValidationError):
        elections.check_publish_result(world.alice, election)


# --- removal -------------------------------------------------------------------------------------------


def serving_member(world: World) -> CommitteeMember:
    term: CommitteeTerm = new_term(world)
    member = committee.check_propose_member(world.alice, term, resident(world, "冯委员", 300), group="party")
    return committee.do_seat_member(world.alice, member, TODAY)


def file_motion(
    world: World, member: CommitteeMember, signatures: int, electorate: int = 100
) -> RemovalMotion:
    return elections.check_file_removal_motion(
        world.alice, member, filed_on=TODAY, signatures=signatures, electorate=electorate, reason="长期不履职"
    )


def test_one_fifth_exactly_is_enough(world: World) -> None:
    motion = file_motion(world, serving_member(world), 20)
    assert motion.outcome == RemovalMotion.Outcome.PENDING
    assert (
        elections.threshold_explanation(motion) == "联名20人，达到有选举权居民100人的五分之一（至少20人）。"
    )


def test_one_short_of_a_fifth_is_invalid_with_the_reason(world: World) -> None:
    member = serving_member(world)
    motion = file_motion(world, member, 19)
    assert motion.outcome == RemovalMotion.Outcome.INVALID
    assert "不足有选举权居民100人的五分之一（至少20人）" in elections.threshold_explanation(motion)
    assert file_motion(world, member, 21, electorate=101).outcome == "pending"  # 21 × 5 ≥ 101
    with pytest.raises(ValidationError):
        file_motion(world, member, 101)


def test_decided_removal_ends_the_seat(world: World) -> None:
    member = serving_member(world)
    motion = file_motion(world, member, 30)
    with pytest.raises(ValidationError):
        file_motion(world, member, 30)  # one pending motion at a time
    elections.do_decide_removal(world.alice, motion, removed=True, decided_on=TODAY)
    member.refresh_from_db()
    assert member.status == "removed" and member.left_on == TODAY
    assert member.left_reason.startswith("经表决罢免")
    with pytest.raises(ValidationError):
        elections.do_decide_removal(world.alice, motion, removed=False, decided_on=TODAY)


def test_rejected_removal_keeps_the_member(world: World) -> None:
    member = serving_member(world)
    motion = file_motion(world, member, 40)
    elections.do_decide_removal(world.alice, motion, removed=False, decided_on=TODAY)
    member.refresh_from_db()
    assert motion.outcome == "rejected" and member.status == "serving"
    with pytest.raises(PermissionDenied):
        elections.do_decide_removal(world.bob, motion, removed=True, decided_on=TODAY)
