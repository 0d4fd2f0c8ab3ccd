"""Elections of a supervision committee (electors, candidates, ballots, tallies, results) and removal
motions against its members.

Ballots entered one by one are secret: staff first record who received and cast a ballot (`Elector.
attended`), then enter the ballots from the box without names (`Ballot` has no voter), so no record pairs a
representative with their choices.

Candidates pass the same eligibility checklist as proposed members (`committee.check_eligibility`), and a
published result seats the elected through the member actions of `committee`. Staff (MANAGE_COMMITTEE) make
every change here; `actor=None` is the system (demo data, management commands) and is not checked.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yangguang.core.actions import audit, ledger
from yangguang.core.actions.committee import (
    ACTIVE,
    Line,
    Status,
    _member_repr,
    _platform_language,
    _step,
    _today,
    _visible,
    check_eligibility,
    do_propose_member,
    do_record_leaving,
    do_seat_member,
    require_manage,
    rule_for,
)
from yangguang.core.models import (
    Activity,
    AuditAction,
    Ballot,
    Candidate,
    CommitteeMember,
    CommitteeTerm,
    Disclosure,
    Election,
    Elector,
    MemberGroup,
    Person,
    RemovalMotion,
)
from yangguang.core.permissions import Cap
from yangguang.lib.masking import mask_name
from yangguang.lib.ratios import reaches

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None


DISCLOSURE_KIND: Final = "election_result"

ES = Election.Status
ELECTION_TRANSITIONS: Final[dict[str, tuple[frozenset[str], str]]] = {
    "open": (frozenset({ES.PLANNED}), ES.VOTING),
    "count": (frozenset({ES.VOTING}), ES.COUNTED),
    "void": (frozenset({ES.VOTING}), ES.VOID),
    "publish": (frozenset({ES.COUNTED}), ES.PUBLISHED),
}


# --- access ---------------------------------------------------------------------------------------------


def access_election(
    user: AbstractBaseUser | AnonymousUser, pk: int | str, capability: str = Cap.VIEW_SUPERVISION
) -> Election:
    try:
        election = Election.objects.select_related("term__area").get(pk=pk)
    except (Election.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    _visible(user, election.term.area, capability)
    return election


def access_motion(
    user: AbstractBaseUser | AnonymousUser, pk: int | str, capability: str = Cap.VIEW_SUPERVISION
) -> RemovalMotion:
    try:
        motion = RemovalMotion.objects.select_related("member__term__area", "member__person").get(pk=pk)
    except (RemovalMotion.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    _visible(user, motion.member.term.area, capability)
    return motion


# --- elections -----------------------------------------------------------------------------------------


def _require_status(election: Election, *statuses: str) -> None:
    if election.status not in statuses:
        raise ValidationError(
            _("选举当前状态为“%(status)s”，不能执行该操作。") % {"status": election.get_status_display()}
        )


def check_create_election(
    actor: Actor,
    term: CommitteeTerm,
    *,
    held_on: datetime.date,
    seats: int,
    method: str = Election.Method.BALLOTS,
    quorum_percent: int = 67,
    majority_percent: int = 50,
) -> Election:
    require_manage(actor, term.area)
    errors: dict[str, str] = {}
    if method not in Election.Method.values:
        errors["method"] = _("请选择计票方式。")
    if seats < 1:
        errors["seats"] = _("应选人数至少为1人。")
    rule = rule_for(term.area)
    if rule is not None and seats > rule.max_size:
        errors["seats"] = _("应选人数不能超过%(n)d人。") % {"n": rule.max_size}
    if not 1 <= quorum_percent <= 100:
        errors["quorum_percent"] = _("到会比例应为1至100之间的整数。")
    if not 1 <= majority_percent <= 99:
        errors["majority_percent"] = _("当选得票比例应为1至99之间的整数。")
    if held_on > term.ends_on:
        errors["held_on"] = _("选举日期不能晚于任期结束日期（%(d)s）。") % {"d": term.ends_on}
    if Election.objects.filter(term=term, status__in=[ES.PLANNED, ES.VOTING]).exists():
        errors["held_on"] = _("本届已有筹备中或投票中的选举，请先完成该选举。")
    if errors:
        raise ValidationError(errors)
    return do_create_election(
        actor,
        term,
        held_on=held_on,
        seats=seats,
        method=method,
        quorum_percent=quorum_percent,
        majority_percent=majority_percent,
    )


@transaction.atomic
def do_create_election(
    actor: Actor,
    term: CommitteeTerm,
    *,
    held_on: datetime.date,
    seats: int,
    method: str,
    quorum_percent: int,
    majority_percent: int,
) -> Election:
    election = Election.objects.create(
        term=term,
        held_on=held_on,
        seats=seats,
        method=method,
        quorum_percent=quorum_percent,
        majority_percent=majority_percent,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        target=election,
        area=term.area,
        changes=audit.public(audit.snapshot(election)),
    )
    return election


@transaction.atomic
def do_add_electors(actor: Actor, election: Election, persons: Iterable[Person]) -> int:
    """Add residents' representatives of the community to the electorate; already listed ones are skipped."""
    area = election.term.area
    require_manage(actor, area)
    _require_status(election, ES.PLANNED)
    listed = set(election.electors.values_list("person_id", flat=True))
    added = []
    for person in persons:
        if not area.contains(person.area):
            raise ValidationError(
                _("%(name)s不是%(area)s的登记居民。") % {"name": person.name, "area": area.name}
            )
        if person.died_on is not None:
            raise ValidationError(_("%(name)s已登记死亡，不能列为选举人。") % {"name": person.name})
        if person.pk in listed:
            continue
        listed.add(person.pk)
        added.append(Elector(election=election, person=person))
    Elector.objects.bulk_create(added)
    if added:
        audit.record(
            actor, AuditAction.UPDATE, target=election, area=area, changes={"electors": [None, len(added)]}
        )
    return len(added)


@transaction.atomic
def do_remove_elector(actor: Actor, elector: Elector) -> None:
    election = elector.election
    require_manage(actor, election.term.area)
    _require_status(election, ES.PLANNED)
    elector.delete()
    audit.record(
        actor, AuditAction.UPDATE, target=election, area=election.term.area, changes={"electors": [1, None]}
    )


def check_add_candidate(
    actor: Actor, election: Election, person: Person, *, group: str, has_accounting: bool = False
) -> Candidate:
    """A candidate passes the same eligibility checklist as a proposed member; refused with the reasons."""
    term = election.term
    require_manage(actor, term.area)
    _require_status(election, ES.PLANNED)
    if group not in MemberGroup.values:
        raise ValidationError({"group": _("请选择身份类别。")})
    if election.candidates.filter(person=person).exists():
        raise ValidationError(_("%(name)s已是本次选举的候选人。") % {"name": person.name})
    lines = check_eligibility(term, person)
    return do_add_candidate(
        actor, election, person, group=group, has_accounting=has_accounting, eligibility=lines
    )


@transaction.atomic
def do_add_candidate(
    actor: Actor,
    election: Election,
    person: Person,
    *,
    group: str,
    has_accounting: bool,
    eligibility: list[Line],
) -> Candidate:
    candidate = Candidate.objects.create(
        election=election, person=person, group=group, has_accounting=has_accounting, eligibility=eligibility
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        target=candidate,
        target_repr=_("%(e)s 候选人 %(name)s") % {"e": str(election), "name": mask_name(person.name)},
        area=election.term.area,
    )
    return candidate


@transaction.atomic
def do_open_voting(actor: Actor, election: Election) -> Election:
    require_manage(actor, election.term.area)
    target = _step(ELECTION_TRANSITIONS, "open", election.status, election.get_status_display())
    if not election.electors.exists():
        raise ValidationError(_("请先登记选举人（居民代表）。"))
    candidates = election.candidates.count()
    if candidates < election.seats:
        raise ValidationError(
            _("候选人（%(c)d人）少于应选人数（%(s)d人）。") % {"c": candidates, "s": election.seats}
        )
    return _set_status(actor, election, target)


def _set_status(actor: Actor, election: Election, target: str, **extra: Any) -> Election:
    before = election.status
    election.status = target
    for name, value in extra.items():
        setattr(election, name, value)
    election.save(update_fields=["status", *extra])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=election,
        area=election.term.area,
        changes={"status": [before, target]},
    )
    return election


def _ballot_election(actor: Actor, election: Election) -> Election:
    """The election locked for the rest of the transaction, checked to take ballots: recording voters and
    entering ballots are serialised, so the rule "all voters before the first ballot" holds under
    concurrent clicks."""
    require_manage(actor, election.term.area)
    locked = Election.objects.select_for_update().get(pk=election.pk)
    _require_status(locked, ES.VOTING)
    if locked.method != Election.Method.BALLOTS:
        raise ValidationError(_("本次选举按计票结果录入，不能逐张录入选票。"))
    return locked


@transaction.atomic
def check_record_voters(actor: Actor, election: Election, electors: Sequence[Elector]) -> int:
    """Representatives who received and cast a ballot (领票投票): each is marked once, which keeps anyone
    from voting twice. Their ballots are entered afterwards, from the ballot box and without names
    (`check_cast_ballot`).

    The vote is secret: nothing records which ballot is whose. So that not even the order of entries can
    pair a voter with a ballot, every voter is recorded before the first ballot is entered; once ballots
    are being entered no voter can be added."""
    locked = _ballot_election(actor, election)
    if not electors:
        raise ValidationError({"electors": _("请选择领取并投出选票的选举人。")})
    if any(e.election_id != locked.pk for e in electors):
        raise ValidationError({"electors": _("该选举人不属于本次选举。")})
    if locked.ballots.exists():
        raise ValidationError(
            _("已开始录入选票，不能再登记投票人：为保证无记名投票，须在录入第一张选票前登记全部投票人。")
        )
    pks = {e.pk for e in electors}
    already = list(locked.electors.filter(pk__in=pks, attended=True).select_related("person"))
    if already:
        raise ValidationError(
            {
                "electors": _("%(names)s已登记投票，每人只能投一次。")
                % {"names": "、".join(mask_name(e.person.name) for e in already)}
            }
        )
    return do_record_voters(actor, locked, pks)


def do_record_voters(actor: Actor, election: Election, elector_pks: set[int]) -> int:
    marked = election.electors.filter(pk__in=elector_pks, attended=False).update(attended=True)
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=election,
        area=election.term.area,
        changes={"voters": [None, marked]},
    )
    return marked


@transaction.atomic
def check_cast_ballot(actor: Actor, election: Election, candidates: list[Candidate]) -> Ballot:
    """One anonymous ballot from the ballot box: at most `seats` choices, only this election's candidates
    (an empty ballot is a blank vote). There can be no more ballots than recorded voters."""
    locked = _ballot_election(actor, election)
    ids = {c.pk for c in candidates}
    if len(ids) != len(candidates):
        raise ValidationError({"choices": _("同一候选人只能选一次。")})
    if any(c.election_id != locked.pk for c in candidates):
        raise ValidationError({"choices": _("只能选择本次选举的候选人。")})
    if len(ids) > locked.seats:
        raise ValidationError(
            {
                "choices": _("最多可选%(n)d人，本票选了%(k)d人，为无效票。")
                % {"n": locked.seats, "k": len(ids)}
            }
        )
    voters = locked.electors.filter(attended=True).count()
    if voters == 0:
        raise ValidationError(_("请先登记领取并投出选票的选举人，再录入选票。"))
    if locked.ballots.count() >= voters:
        raise ValidationError(
            _("已录入%(n)d张选票，与投票人数相同，不能再录入：选票不能多于投票人数。") % {"n": voters}
        )
    return do_cast_ballot(actor, locked, candidates)


def do_cast_ballot(actor: Actor, election: Election, candidates: list[Candidate]) -> Ballot:
    ballot = Ballot.objects.create(election=election)
    ballot.choices.set(candidates)
    # The entry names the election only, never a voter or the choices.
    audit.record(
        actor,
        AuditAction.CREATE,
        target=ballot,
        target_repr=_("%(e)s 选票") % {"e": str(election)},
        area=election.term.area,
    )
    return ballot


def check_record_tally(
    actor: Actor, election: Election, *, attended: set[int], tallies: dict[int, int]
) -> Election:
    """Attendance and each candidate's votes from a paper count; may be corrected until the count."""
    require_manage(actor, election.term.area)
    _require_status(election, ES.VOTING)
    if election.method != Election.Method.TALLY:
        raise ValidationError(_("本次选举逐张录入选票，不能直接录入计票结果。"))
    electors = set(election.electors.values_list("pk", flat=True))
    if not attended <= electors:
        raise ValidationError({"attended": _("到会人员只能从本次选举的选举人中选择。")})
    candidates = list(election.candidates.select_related("person"))
    errors: list[str] = []
    for candidate in candidates:
        votes = tallies.get(candidate.pk)
        if votes is None or votes < 0:
            errors.append(_("请填写%(name)s的得票数。") % {"name": candidate.person.name})
        elif votes > len(attended):
            errors.append(
                _("%(name)s得%(v)d票，超过到会人数%(a)d人。")
                % {"name": candidate.person.name, "v": votes, "a": len(attended)}
            )
    if not errors and sum(tallies[c.pk] for c in candidates) > len(attended) * election.seats:
        errors.append(_("总票数超过到会人数乘以应选人数，请核对。"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        election.electors.update(attended=False)
        election.electors.filter(pk__in=attended).update(attended=True)
        for candidate in candidates:
            candidate.tally = tallies[candidate.pk]
        Candidate.objects.bulk_update(candidates, ["tally"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            target=election,
            area=election.term.area,
            changes={
                "attended": [None, len(attended)],
                "tally": [None, sum(tallies[c.pk] for c in candidates)],
            },
        )
    return election


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def count_result(
    election: Election, electorate: int, attended: int, votes: Sequence[tuple[Candidate, int]]
) -> dict[str, Any]:
    """The result of a count (no query): quorum, the majority threshold, who is elected, a tie at the last
    seat (reported, never broken silently) and an explanation line by line."""
    explanation: list[str] = []
    base = {
        "electorate": electorate,
        "attended": attended,
        "quorum_percent": election.quorum_percent,
        "majority_percent": election.majority_percent,
        "seats": election.seats,
    }
    # Two thirds is written 67 %: the attendance is rounded to a whole percent (yangguang.lib.ratios).
    quorate = reaches(attended, electorate, election.quorum_percent)
    params = {
        "e": electorate,
        "a": attended,
        "rate": _percent(attended, electorate),
        "q": election.quorum_percent,
    }
    if not quorate:
        reason = _("应到选举人%(e)d人，实到%(a)d人（%(rate)s），未达到%(q)d%%的到会要求，选举无效。") % params
        return {
            **base,
            "quorate": False,
            "reason": reason,
            "explanation": [reason],
            "candidates": [],
            "elected": [],
            "tie": [],
            "unfilled": election.seats,
        }
    explanation.append(
        _("应到选举人%(e)d人，实到%(a)d人（%(rate)s），达到%(q)d%%的到会要求，选举有效。") % params
    )
    need = election.majority_percent * attended // 100 + 1
    explanation.append(
        _("当选须获得超过实到人数%(m)d%%的选票，即至少%(need)d票。")
        % {"m": election.majority_percent, "need": need}
    )
    ranked = sorted(votes, key=lambda cv: (-cv[1], cv[0].pk))
    passing = [(c, v) for c, v in ranked if v >= need]
    tie: list[Candidate] = []
    if len(passing) > election.seats and passing[election.seats - 1][1] == passing[election.seats][1]:
        cutoff = passing[election.seats][1]
        elected = [c for c, v in passing if v > cutoff]
        tie = [c for c, v in passing if v == cutoff]
    else:
        elected = [c for c, _v in passing[: election.seats]]
    elected_ids = {c.pk for c in elected}
    tie_ids = {c.pk for c in tie}
    rows = []
    for candidate, count in ranked:
        p = {"name": candidate.person.name, "v": count}
        if candidate.pk in elected_ids:
            explanation.append(_("%(name)s得%(v)d票，当选。") % p)
        elif candidate.pk in tie_ids:
            explanation.append(_("%(name)s得%(v)d票，与其他候选人并列争最后名额，未当选，需另行选举。") % p)
        elif count >= need:
            explanation.append(_("%(name)s得%(v)d票，超过半数但名额已满，未当选。") % p)
        else:
            explanation.append(_("%(name)s得%(v)d票，未超过规定比例，未当选。") % p)
        rows.append(
            {
                "candidate": candidate.pk,
                "person": candidate.person_id,
                "name": candidate.person.name,
                "votes": count,
                "over_majority": count >= need,
                "elected": candidate.pk in elected_ids,
                "tied": candidate.pk in tie_ids,
            }
        )
    unfilled = election.seats - len(elected)
    if unfilled:
        explanation.append(
            _("应选%(s)d人，当选%(k)d人，尚缺%(n)d人，需另行选举。")
            % {"s": election.seats, "k": len(elected), "n": unfilled}
        )
    return {
        **base,
        "quorate": True,
        "need": need,
        "candidates": rows,
        "elected": [c.pk for c in elected],
        "tie": [c.pk for c in tie],
        "unfilled": unfilled,
        "explanation": explanation,
    }


@transaction.atomic
def do_count_election(actor: Actor, election: Election) -> Election:
    """Close the voting and count: counted (with the result), or void when inquorate. Ledger line added."""
    area = election.term.area
    require_manage(actor, area)
    _require_status(election, ES.VOTING)
    candidates = list(election.candidates.select_related("person").annotate(n=Count("ballots")))
    if election.method == Election.Method.TALLY:
        if any(c.tally is None for c in candidates):
            raise ValidationError(_("请先录入所有候选人的得票数。"))
        votes = [(c, int(c.tally or 0)) for c in candidates]
    else:
        votes = [(c, int(getattr(c, "n", 0))) for c in candidates]
    counts = election.electors.aggregate(total=Count("pk"), present=Count("pk", filter=Q(attended=True)))
    with _platform_language():
        result = count_result(election, counts["total"], counts["present"], votes)
    result["counted_on"] = _today().isoformat()
    target = ES.COUNTED if result["quorate"] else ES.VOID
    _set_status(actor, election, target, result=result)
    ledger.record_activity(
        actor,
        area,
        Activity.Kind.ELECTION,
        _("%(term)s监督委员会选举计票") % {"term": str(election.term)},
        on=election.held_on,
        detail="\n".join(result["explanation"]),
        source=election,
    )
    return election


def public_result(election: Election) -> dict[str, Any]:
    """The public projection of a counted result: masked names, votes, date and quorum; no ID numbers."""
    result = election.result
    return {
        "area": election.term.area.name,
        "term": str(election.term),
        "held_on": election.held_on.isoformat(),
        "seats": election.seats,
        "electorate": result.get("electorate"),
        "attended": result.get("attended"),
        "quorum_percent": election.quorum_percent,
        "majority_percent": election.majority_percent,
        "candidates": [
            {
                "name": mask_name(row["name"]),
                "votes": row["votes"],
                "elected": row["elected"],
                "tied": row["tied"],
            }
            for row in result.get("candidates", [])
        ],
        "unfilled": result.get("unfilled", 0),
    }


@transaction.atomic
def check_publish_result(actor: Actor, election: Election) -> Disclosure:
    """Publish a counted result: the elected candidates become serving members of the term, and the
    public notice is drafted as a disclosure for the committee to sign and staff to publish."""
    term = election.term
    require_manage(actor, term.area)
    target = _step(ELECTION_TRANSITIONS, "publish", election.status, election.get_status_display())
    joined_on = max(election.held_on, term.starts_on)
    elected = Candidate.objects.filter(pk__in=election.result.get("elected", [])).select_related("person")
    for candidate in elected:
        existing = CommitteeMember.objects.filter(term=term, person=candidate.person).first()
        if existing is not None and existing.status in ACTIVE:
            if existing.status == Status.PROPOSED:
                do_seat_member(actor, existing, joined_on)
            continue
        if existing is not None:
            raise ValidationError(
                _("%(name)s曾在本届离任或被罢免，不能直接就任。") % {"name": candidate.person.name}
            )
        lines = check_eligibility(term, candidate.person)
        member = do_propose_member(
            actor,
            term,
            candidate.person,
            position=CommitteeMember.Position.MEMBER,
            group=candidate.group,
            has_accounting=candidate.has_accounting,
            eligibility=lines,
        )
        do_seat_member(actor, member, joined_on)
    with _platform_language():
        title = _("%(area)s居务监督委员会%(term)s选举结果公告") % {"area": term.area.name, "term": str(term)}
    disclosure = ledger.do_create_disclosure(
        actor, term.area, DISCLOSURE_KIND, title, public_result(election), source=election
    )
    _set_status(actor, election, target, published_at=timezone.now())
    return disclosure


def election_disclosure(election: Election) -> Disclosure | None:
    key = ledger.target_key(election)
    return (
        Disclosure.objects.filter(kind=DISCLOSURE_KIND, source_type=key[0], source_id=key[1])
        .order_by("-pk")
        .first()
    )


# --- removal motions -----------------------------------------------------------------------------------


def threshold_explanation(motion: RemovalMotion) -> str:
    """Why a motion does or does not reach one fifth of the electorate (integer arithmetic)."""
    need = (motion.electorate + 4) // 5
    params = {"s": motion.signatures, "e": motion.electorate, "need": need}
    if motion.reaches_threshold:
        return _("联名%(s)d人，达到有选举权居民%(e)d人的五分之一（至少%(need)d人）。") % params
    return _("联名%(s)d人，不足有选举权居民%(e)d人的五分之一（至少%(need)d人），罢免要求不成立。") % params


@transaction.atomic
def check_file_removal_motion(
    actor: Actor,
    member: CommitteeMember,
    *,
    filed_on: datetime.date,
    signatures: int,
    electorate: int,
    reason: str,
) -> RemovalMotion:
    """Record a removal motion; below one fifth of the electorate it is recorded as invalid at once."""
    area = member.term.area
    require_manage(actor, area)
    reason = reason.strip()
    errors: dict[str, str] = {}
    if member.status != Status.SERVING:
        raise ValidationError(_("只能对在任成员提出罢免。"))
    if electorate < 1:
        errors["electorate"] = _("请填写有选举权的居民总数。")
    elif signatures > electorate:
        errors["signatures"] = _("联名人数不能超过有选举权的居民总数。")
    if not reason:
        errors["reason"] = _("请填写罢免理由。")
    if RemovalMotion.objects.filter(member=member, outcome=RemovalMotion.Outcome.PENDING).exists():
        errors["reason"] = _("该成员已有待表决的罢免动议。")
    if errors:
        raise ValidationError(errors)
    motion = RemovalMotion(
        member=member, filed_on=filed_on, signatures=signatures, electorate=electorate, reason=reason
    )
    if not motion.reaches_threshold:
        motion.outcome = RemovalMotion.Outcome.INVALID
    motion.save()
    with _platform_language():
        note = threshold_explanation(motion)
    audit.record(
        actor,
        AuditAction.CREATE,
        target=motion,
        target_repr=_("罢免动议：%(m)s") % {"m": _member_repr(member)},
        area=area,
        changes={
            "outcome": [None, motion.outcome],
            "signatures": [None, signatures],
            "electorate": [None, electorate],
        },
        reason=note,
    )
    return motion


@transaction.atomic
def do_decide_removal(
    actor: Actor, motion: RemovalMotion, *, removed: bool, decided_on: datetime.date
) -> RemovalMotion:
    """The vote on a pending motion: removed (the member's seat ends that day) or rejected."""
    member = motion.member
    require_manage(actor, member.term.area)
    if motion.outcome != RemovalMotion.Outcome.PENDING:
        raise ValidationError(_("该罢免动议已有结果（%(o)s）。") % {"o": motion.get_outcome_display()})
    if decided_on < motion.filed_on:
        raise ValidationError({"decided_on": _("表决日期不能早于提出日期。")})
    outcome = RemovalMotion.Outcome.REMOVED if removed else RemovalMotion.Outcome.REJECTED
    motion.outcome = outcome
    motion.decided_on = decided_on
    motion.save(update_fields=["outcome", "decided_on"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        target=motion,
        target_repr=_("罢免动议：%(m)s") % {"m": _member_repr(member)},
        area=member.term.area,
        changes={"outcome": [RemovalMotion.Outcome.PENDING, outcome]},
    )
    if removed:
        with _platform_language():
            why = _("经表决罢免：%(r)s") % {"r": motion.reason}
        do_record_leaving(actor, member, removed=True, on=decided_on, reason=why)
    return motion
