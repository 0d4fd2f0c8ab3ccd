"""The committee's terms, members and their eligibility (村委会组织法第32条), the composition checklist,
cadre posts and the close-relatives register with its import."""

from __future__ import annotations

import datetime
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import World, make_person
from yangguang.core.actions import cadres, committee
from yangguang.core.models import (
    AuditEntry,
    CadreBody,
    CommitteeMember,
    CommitteeRule,
    CommitteeTerm,
    KinRelation,
    Kinship,
    Person,
    RoleAssignment,
)
from yangguang.core.permissions import Role
from yangguang.lib import idnumber

TODAY = datetime.date.today()


def fake_id(n: int, sex: str = "M") -> str:
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=11 * n)
    return idnumber.make_fake(random.Random(n), "430102", birth, sex)


def resident(world: World, name: str, n: int, area: object = None) -> Person:
    return make_person(area or world.sunshine, None, name, fake_id(n))


def new_term(world: World, area: object = None, number: int = 1) -> CommitteeTerm:
    return committee.check_create_term(
        world.alice if area is None else None,
        area or world.sunshine,
        number=number,
        starts_on=TODAY - datetime.timedelta(days=30),
        ends_on=TODAY + datetime.timedelta(days=5 * 365),
    )


def cadre(world: World, name: str, n: int, *, secretary: bool = False, title: str = "委员") -> Person:
    person = resident(world, name, n)
    cadres.check_create_cadre_post(
        world.alice,
        world.sunshine,
        person,
        body=CadreBody.PARTY if secretary else CadreBody.RESIDENTS,
        title="书记" if secretary else title,
        is_party_secretary=secretary,
        starts_on=TODAY - datetime.timedelta(days=400),
    )
    return person


def propose(world: World, term: CommitteeTerm, person: Person, **extra: object) -> CommitteeMember:
    params: dict[str, object] = {"group": "ordinary", **extra}
    return committee.check_propose_member(world.alice, term, person, **params)  # type: ignore[arg-type]


# --- terms -----------------------------------------------------------------------------------------------


def test_term_only_in_a_community_or_village(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        committee.check_create_term(
            None, world.street, number=1, starts_on=TODAY, ends_on=TODAY + datetime.timedelta(days=100)
        )
    assert "监督委员会只在社区或村设立" in str(exc.value)


def test_term_dates_must_make_sense_and_not_overlap(world: World) -> None:
    new_term(world)
    with pytest.raises(ValidationError) as exc:
        committee.check_create_term(world.alice, world.sunshine, number=2, starts_on=TODAY, ends_on=TODAY)
    assert "任期结束日期应晚于开始日期" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        committee.check_create_term(
            world.alice,
            world.sunshine,
            number=2,
            starts_on=TODAY,
            ends_on=TODAY + datetime.timedelta(days=9 * 365),
        )
    assert "每届任期五年" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        committee.check_create_term(
            world.alice,
            world.sunshine,
            number=2,
            starts_on=TODAY,
            ends_on=TODAY + datetime.timedelta(days=365),
        )
    assert "时间重叠" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        committee.check_create_term(
            world.alice,
            world.sunshine,
            number=1,
            starts_on=TODAY + datetime.timedelta(days=6 * 365),
            ends_on=TODAY + datetime.timedelta(days=7 * 365),
        )
    assert "已有第1届" in str(exc.value)


def test_only_the_communitys_staff_create_terms(world: World) -> None:
    for outsider in (world.bob, world.carol, world.dave):
        with pytest.raises(PermissionDenied):
            committee.check_create_term(
                outsider,
                world.sunshine,
                number=1,
                starts_on=TODAY,
                ends_on=TODAY + datetime.timedelta(days=9),
            )
    assert not CommitteeTerm.objects.exists()


# --- eligibility ---------------------------------------------------------------------------------------


def test_ordinary_resident_is_accepted_with_every_rule_explained(world: World) -> None:
    term = new_term(world)
    member = propose(world, term, resident(world, "赵普通", 1))
    assert member.status == CommitteeMember.Status.PROPOSED
    rules = {line["rule"]: line for line in member.eligibility}
    assert set(rules) == {"resident", "alive", "no_post", "no_kin", "not_serving"}
    assert all(line["ok"] for line in member.eligibility)
    assert "赵普通是阳光社区登记居民" in rules["resident"]["reason"]
    assert AuditEntry.objects.filter(target_type="committeemember", target_id=str(member.pk)).exists()


def test_current_cadre_is_rejected_with_the_post_and_the_law(world: World) -> None:
    term = new_term(world)
    wang = cadre(world, "王大明", 2)
    with pytest.raises(ValidationError) as exc:
        propose(world, term, wang)
    assert exc.value.messages == [
        "王大明现任居（村）民委员会委员，不能担任监督委员会成员（村委会组织法第32条）。"
    ]
    assert not CommitteeMember.objects.exists()


def test_cadres_spouse_is_rejected_with_a_clear_reason(world: World) -> None:
    term = new_term(world)
    wang = cadre(world, "王大明", 2)
    spouse = resident(world, "李秀英", 3)
    cadres.check_add_kinship(
        world.alice,
        world.sunshine,
        wang,
        relative_name="李秀英",
        relative_id_number=fake_id(3),
        relation=KinRelation.SPOUSE,
    )
    with pytest.raises(ValidationError) as exc:
        propose(world, term, spouse)
    assert exc.value.messages == [
        "李秀英是现任居（村）民委员会委员王大明的配偶，不能担任监督委员会成员（村委会组织法第32条）。"
    ]


def test_relative_registered_after_the_declaration_is_matched_by_id_number(world: World) -> None:
    term = new_term(world)
    wang = cadre(world, "王大明", 2)
    line = cadres.check_add_kinship(
        world.alice,
        world.sunshine,
        wang,
        relative_name="王小明",
        relative_id_number=fake_id(4),
        relation=KinRelation.CHILD,
    )
    assert line.relative is None
    assert line.relative_id_number_masked.endswith(fake_id(4)[-4:])
    son = resident(world, "王小明", 4)
    with pytest.raises(ValidationError) as exc:
        propose(world, term, son)
    assert "王大明的子女" in exc.value.messages[0]


def test_relative_of_a_former_cadre_and_the_former_cadre_are_eligible(world: World) -> None:
    term = new_term(world)
    wang = cadre(world, "王大明", 2)
    cadres.check_add_kinship(
        world.alice,
        world.sunshine,
        wang,
        relative_name="李秀英",
        relative_id_number=fake_id(3),
        relation="spouse",
    )
    spouse = resident(world, "李秀英", 3)
    cadres.do_end_cadre_post(world.alice, wang.cadre_posts.get(), TODAY - datetime.timedelta(days=1))
    assert propose(world, term, spouse).status == "proposed"
    assert propose(world, term, wang).status == "proposed"


def test_outsider_dead_and_duplicate_are_rejected(world: World) -> None:
    term = new_term(world)
    with pytest.raises(ValidationError) as exc:
        propose(world, term, world.other_person)
    assert "李四不是阳光社区的登记居民" in exc.value.messages[0]
    late = resident(world, "钱已故", 5)
    late.died_on = TODAY - datetime.timedelta(days=3)
    late.save()
    with pytest.raises(ValidationError) as exc:
        propose(world, term, late)
    assert "已于" in exc.value.messages[0]
    propose(world, term, world.person)
    with pytest.raises(ValidationError) as exc:
        propose(world, term, world.person)
    assert "已在本届监督委员会名单中" in exc.value.messages[0]


def test_seating_checks_again_and_leaving_needs_a_reason(world: World) -> None:
    term = new_term(world)
    person = resident(world, "孙安", 6)
    member = propose(world, term, person)
    cadres.check_create_cadre_post(
        world.alice,
        world.sunshine,
        person,
        body="staff",
        title="会计",
        starts_on=TODAY - datetime.timedelta(days=2),
    )
    with pytest.raises(ValidationError) as exc:
        committee.do_seat_member(world.alice, member, TODAY)
    assert "孙安现任社区工作人员会计" in exc.value.messages[0]
    other = propose(world, term, resident(world, "周平", 7))
    with pytest.raises(ValidationError):
        committee.do_seat_member(world.alice, other, term.ends_on + datetime.timedelta(days=1))
    committee.do_seat_member(world.alice, other, TODAY)
    assert other.status == "serving" and other.joined_on == TODAY
    with pytest.raises(ValidationError) as exc:
        committee.do_record_leaving(world.alice, other, removed=False, on=TODAY, reason=" ")
    assert "请填写离任原因" in str(exc.value)
    committee.do_record_leaving(world.alice, other, removed=False, on=TODAY, reason="迁出本社区")
    other.refresh_from_db()
    assert other.status == "left" and other.left_reason == "迁出本社区"
    with pytest.raises(ValidationError):
        committee.do_seat_member(world.alice, other, TODAY)


def test_linking_an_account_grants_the_committee_role_and_leaving_revokes_it(world: World) -> None:
    from django.contrib.auth.models import User

    term = new_term(world)
    member = propose(world, term, resident(world, "吴监督", 8))
    account = User.objects.create_user("wu", password="x" * 12)
    with pytest.raises(ValidationError):
        committee.do_set_member_user(world.alice, member, account)  # not serving yet
    committee.do_seat_member(world.alice, member, TODAY)
    with pytest.raises(ValidationError) as exc:
        committee.do_set_member_user(world.alice, member, world.grace)
    assert "工作人员" in str(exc.value)
    committee.do_set_member_user(world.alice, member, account)
    assert RoleAssignment.objects.filter(
        user=account, area=world.sunshine, role=Role.COMMITTEE_MEMBER
    ).exists()
    committee.do_record_leaving(world.alice, member, removed=False, on=TODAY, reason="辞职")
    assert not RoleAssignment.objects.filter(user=account, role=Role.COMMITTEE_MEMBER).exists()


def test_committee_member_cannot_propose(world: World) -> None:
    term = new_term(world)
    with pytest.raises(PermissionDenied):
        committee.check_propose_member(world.bob, term, world.person, group="ordinary")


# --- composition ---------------------------------------------------------------------------------------


def lines_of(term: CommitteeTerm) -> dict[str, dict[str, object]]:
    return {line["rule"]: line for line in committee.composition_checklist(term)}


def test_community_checklist_size_thirds_accounting_and_secretary_chair(world: World) -> None:
    term = new_term(world)
    groups = ["party", "party", "deputy", "deputy"]
    members = [
        propose(world, term, resident(world, f"成员{i}", 20 + i), group=g) for i, g in enumerate(groups)
    ]
    lines = lines_of(term)
    assert not lines["size"]["ok"] and "4人，应为5–7人" in str(lines["size"]["reason"])
    assert not lines["thirds"]["ok"] and "普通群众不足" in str(lines["thirds"]["reason"])
    assert not lines["accounting"]["ok"]
    assert not lines["chair"]["ok"]
    chair = propose(world, term, resident(world, "钱主任", 30), position="chair", has_accounting=True)
    lines = lines_of(term)
    assert (
        lines["size"]["ok"] and lines["thirds"]["ok"] and lines["accounting"]["ok"] and lines["chair"]["ok"]
    )
    assert "每类不少于1人" in str(lines["thirds"]["reason"])
    # A post taken up after the proposal: the chair is now the party secretary, flagged as a warning.
    cadres.check_create_cadre_post(
        world.alice,
        world.sunshine,
        chair.person,
        body="party",
        title="书记",
        is_party_secretary=True,
        starts_on=TODAY,
    )
    lines = lines_of(term)
    assert lines["chair_secretary"]["warning"] and "钱主任现任党组织书记" in str(
        lines["chair_secretary"]["reason"]
    )
    assert not committee.failures(list(lines.values()))
    # Six members, three groups of at least two: one ordinary resident more is still short.
    propose(world, term, resident(world, "孙六", 31), group="party")
    lines = lines_of(term)
    assert not lines["thirds"]["ok"] and "每类应不少于2人" in str(lines["thirds"]["reason"])
    assert len(members) == 4


def test_village_rule_is_three_to_five_without_thirds(world: World) -> None:
    term = new_term(world, area=world.village)
    villagers = [make_person(world.village, None, f"村民{i}", fake_id(40 + i)) for i in range(3)]
    for i, person in enumerate(villagers):
        committee.check_propose_member(
            None, term, person, group="party", position="chair" if i == 0 else "member", has_accounting=i == 1
        )
    lines = lines_of(term)
    assert lines["size"]["ok"] and "符合3–5人" in str(lines["size"]["reason"])
    assert "thirds" not in lines
    assert lines["accounting"]["ok"]


def test_the_most_specific_rule_in_force_applies(world: World) -> None:
    term = new_term(world)
    CommitteeRule.objects.create(
        area_kind="community", area=world.street, min_size=7, max_size=9, effective_from=TODAY
    )
    CommitteeRule.objects.create(
        area_kind="community", area=world.district, min_size=1, max_size=2, effective_from=TODAY
    )
    CommitteeRule.objects.create(
        area_kind="community",
        area=world.street,
        min_size=11,
        max_size=13,
        effective_from=TODAY + datetime.timedelta(days=1),
    )
    rule = committee.rule_for(world.sunshine)
    assert rule is not None and (rule.min_size, rule.max_size) == (7, 9)
    assert "应为7–9人" in str(lines_of(term)["size"]["reason"])
    village_rule = committee.rule_for(world.village)
    assert village_rule is not None and (village_rule.min_size, village_rule.max_size) == (3, 5)


# --- cadre posts and the register ----------------------------------------------------------------------


def test_cadre_post_rules(world: World) -> None:
    person = resident(world, "郑书记", 50)
    with pytest.raises(ValidationError) as exc:
        cadres.check_create_cadre_post(
            world.alice,
            world.sunshine,
            person,
            body="residents",
            title="主任",
            is_party_secretary=True,
            starts_on=TODAY,
            ends_on=TODAY - datetime.timedelta(days=1),
        )
    assert set(exc.value.message_dict) == {"is_party_secretary", "ends_on"}
    with pytest.raises(ValidationError) as exc:
        cadres.check_create_cadre_post(
            world.alice, world.sunshine, world.other_person, body="residents", title="主任", starts_on=TODAY
        )
    assert "person" in exc.value.message_dict
    post = cadres.check_create_cadre_post(
        world.alice,
        world.sunshine,
        person,
        body="party",
        title="书记",
        is_party_secretary=True,
        starts_on=TODAY,
    )
    with pytest.raises(ValidationError):
        cadres.do_end_cadre_post(world.alice, post, TODAY - datetime.timedelta(days=1))
    cadres.do_end_cadre_post(world.alice, post, TODAY)
    with pytest.raises(ValidationError):
        cadres.do_end_cadre_post(world.alice, post, TODAY)


def test_kinship_line_validates_the_id_number_and_is_sealed(world: World) -> None:
    wang = cadre(world, "王大明", 2)
    with pytest.raises(ValidationError) as exc:
        cadres.check_add_kinship(
            world.alice,
            world.sunshine,
            wang,
            relative_name="某人",
            relative_id_number="430102198503076513",
            relation="spouse",
        )
    assert exc.value.message_dict["relative_id_number"] == ["身份证号码校验位错误"]
    line = cadres.check_add_kinship(
        world.alice,
        world.sunshine,
        wang,
        relative_name="张三丰",
        relative_id_number="43010219500101123x",
        relation="parent",
    )
    assert line.relative == world.person
    assert line.relative_id_number_masked == "430***********123X"
    assert "43010219500101123X" not in line.relative_id_number_enc
    with pytest.raises(ValidationError):
        cadres.check_add_kinship(
            world.alice,
            world.sunshine,
            wang,
            relative_name="张三丰",
            relative_id_number="43010219500101123X",
            relation="parent",
        )
    created = AuditEntry.objects.get(action="create", target_type="kinship")
    assert "张三丰" not in str(created.changes) and "43010219500101123X" not in str(created.changes)
    cadres.do_delete_kinship(world.alice, line, "登记错误")
    assert not Kinship.objects.exists()
    entry = AuditEntry.objects.filter(action="delete", target_type="kinship").get()
    assert "张三丰" not in entry.target_repr and "王大明" not in entry.target_repr


def test_kinship_import_keeps_good_rows_and_reports_bad_ones(world: World) -> None:
    wang = cadre(world, "王大明", 2)
    rows = [
        "干部身份证号,干部姓名,亲属姓名,亲属身份证号,关系,备注",
        f"{fake_id(2)},王大明,李秀英,{fake_id(3)},妻子,",
        f"{fake_id(2)},王大明,王二,430102198503076513,弟弟,",
        f"{fake_id(99)},某干部,王三,{fake_id(60)},子女,",
        f"{fake_id(2)},王大明,王四,{fake_id(61)},表哥,",
        f"{fake_id(2)},王大明,李秀英,{fake_id(3)},配偶,重复",
    ]
    report = cadres.check_import_kinship(world.alice, world.sunshine, "\n".join(rows).encode(), "kin.csv")
    assert report.created == 1
    assert [(e.line, e.reason) for e in report.rejected] == [
        (3, "亲属身份证号：身份证号码校验位错误"),
        (4, "干部不是阳光社区的登记居民。"),
        (5, "无法识别的关系“表哥”。"),
        (6, "该亲属已在王大明名下备案。"),
    ]
    line = Kinship.objects.get()
    assert line.cadre == wang and line.relation == "spouse" and line.relative_name == "李秀英"
    assert AuditEntry.objects.filter(action="import", target_type="kinship").count() == 1


def test_kinship_import_refuses_an_unreadable_file(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        cadres.check_import_kinship(world.alice, world.sunshine, b"name,age\nx,1\n", "x.csv")
    assert "缺少必填列" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        cadres.check_import_kinship(world.alice, world.sunshine, b"", "x.csv")
    with pytest.raises(PermissionDenied):
        cadres.check_import_kinship(world.carol, world.sunshine, b"x", "x.csv")
