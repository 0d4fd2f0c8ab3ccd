"""Committee pages: who reads (VIEW_SUPERVISION), who edits (staff with MANAGE_COMMITTEE; the committee and
oversight roles only read), outsiders get 404; the forms drive the actions end to end; list pages have a
pinned query count."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.backoffice.test_case_page import logged_in
from tests.conftest import World
from tests.core.test_committee import TODAY, cadre, fake_id, new_term, resident
from yangguang.core.actions import cadres, committee, elections
from yangguang.core.models import (
    CommitteeMember,
    CommitteeTerm,
    Disclosure,
    Election,
    Kinship,
    RemovalMotion,
)


def url(name: str, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=args)


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


@pytest.fixture
def term(world: World) -> CommitteeTerm:
    return new_term(world)


def test_nav_link_only_for_supervision_readers(world: World) -> None:
    assert url("committee_index") in page(logged_in(world.bob), url("home"))
    assert url("committee_index") not in page(logged_in(world.grace), url("home"))


def test_index_lists_communities_in_reach(world: World, term: CommitteeTerm) -> None:
    html = page(logged_in(world.dave), url("committee_index"))
    assert "阳光社区" in html and "和平社区" in html and "明月村" not in html
    assert str(term) in html
    assert logged_in(world.mallory).get(url("committee_index")).status_code == 404
    assert logged_in(world.grace).get(url("committee_index")).status_code == 404


def test_outsiders_get_404_everywhere(world: World, term: CommitteeTerm) -> None:
    member = committee.check_propose_member(world.alice, term, world.person, group="party")
    election = elections.check_create_election(world.alice, term, held_on=TODAY, seats=1)
    wang = cadre(world, "王大明", 2)
    line = cadres.check_add_kinship(
        world.alice,
        world.sunshine,
        wang,
        relative_name="李秀英",
        relative_id_number=fake_id(3),
        relation="spouse",
    )
    post = wang.cadre_posts.get()
    carol = logged_in(world.carol)
    for path in (
        url("committee_area", world.sunshine.pk),
        url("committee_term", term.pk),
        url("committee_member", member.pk),
        url("committee_election", election.pk),
        url("committee_posts", world.sunshine.pk),
        url("committee_kinship", world.sunshine.pk),
        url("committee_term_create", world.sunshine.pk),
        url("committee_member_propose", term.pk),
        url("committee_kinship_import", world.sunshine.pk),
        url("committee_area", world.grid.pk),  # not a community
        url("committee_area", 999999),
    ):
        assert carol.get(path).status_code == 404, path
    for path in (
        url("committee_member_step", member.pk, "seat"),
        url("committee_election_step", election.pk, "open"),
        url("committee_kinship_delete", line.pk),
        url("committee_post_end", post.pk),
        url("committee_post_create", world.sunshine.pk),
    ):
        assert carol.post(path, {"joined_on": TODAY.isoformat()}).status_code == 404, path
    assert Kinship.objects.filter(pk=line.pk).exists()
    assert Client().get(url("committee_term", term.pk)).status_code == 302


def test_committee_member_reads_but_cannot_edit(world: World, term: CommitteeTerm) -> None:
    member = committee.check_propose_member(world.alice, term, world.person, group="party")
    wang = cadre(world, "王大明", 2)
    line = cadres.check_add_kinship(
        world.alice,
        world.sunshine,
        wang,
        relative_name="李秀英",
        relative_id_number=fake_id(3),
        relation="spouse",
    )
    bob = logged_in(world.bob)
    html = page(bob, url("committee_area", world.sunshine.pk))
    assert "张三丰" in html and "提名成员" not in html
    kinship = page(bob, url("committee_kinship", world.sunshine.pk))
    assert "李*英" in kinship and "李秀英" not in kinship and fake_id(3) not in kinship
    assert "删除" not in kinship
    assert "李秀英" in page(logged_in(world.alice), url("committee_kinship", world.sunshine.pk))
    for path in (
        url("committee_term_create", world.sunshine.pk),
        url("committee_member_propose", term.pk),
        url("committee_kinship_import", world.sunshine.pk),
    ):
        assert bob.get(path).status_code == 403, path
    assert (
        bob.post(
            url("committee_member_step", member.pk, "seat"), {"joined_on": TODAY.isoformat()}
        ).status_code
        == 403
    )
    assert bob.post(url("committee_kinship_delete", line.pk)).status_code == 403
    assert bob.post(url("committee_term_create", world.sunshine.pk), {}).status_code == 403
    member.refresh_from_db()
    assert member.status == "proposed" and Kinship.objects.filter(pk=line.pk).exists()
    # The street discipline committee reads too, and cannot edit either.
    assert page(logged_in(world.dave), url("committee_term", term.pk))
    assert logged_in(world.dave).get(url("committee_member_propose", term.pk)).status_code == 403


def test_staff_create_a_term_and_see_date_errors(world: World) -> None:
    alice = logged_in(world.alice)
    path = url("committee_term_create", world.sunshine.pk)
    response = alice.post(path, {"number": "1", "starts_on": "2024-01-01", "ends_on": "2023-01-01"})
    assert response.status_code == 200 and "任期结束日期应晚于开始日期" in response.content.decode()
    response = alice.post(path, {"number": "x", "starts_on": "不是日期", "ends_on": ""})
    assert response.status_code == 200 and "请输入有效的日期" in response.content.decode()
    start = TODAY - datetime.timedelta(days=10)
    response = alice.post(
        path,
        {
            "number": "3",
            "starts_on": start.isoformat(),
            "ends_on": (start + datetime.timedelta(days=1800)).isoformat(),
        },
    )
    term = CommitteeTerm.objects.get()
    assert response.status_code == 302 and response["Location"] == url("committee_term", term.pk)
    assert "第3届" in page(alice, url("committee_area", world.sunshine.pk))


def test_propose_rejects_a_cadres_spouse_with_the_reason_and_accepts_a_resident(
    world: World, term: CommitteeTerm
) -> None:
    wang = cadre(world, "王大明", 2)
    resident(world, "李秀英", 3)
    cadres.check_add_kinship(
        world.alice,
        world.sunshine,
        wang,
        relative_name="李秀英",
        relative_id_number=fake_id(3),
        relation="spouse",
    )
    alice = logged_in(world.alice)
    path = url("committee_member_propose", term.pk)
    response = alice.post(path, {"id_number": fake_id(3), "position": "member", "group": "party"})
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "李秀英是现任居（村）民委员会委员王大明的配偶，不能担任监督委员会成员（村委会组织法第32条）。" in html
    )
    response = alice.post(path, {"id_number": "123", "position": "member", "group": "party"})
    assert "身份证号码" in response.content.decode()
    response = alice.post(path, {"id_number": "430102198002022233", "position": "member", "group": "party"})
    assert "没有找到该身份证号码的居民" in response.content.decode()  # 李四 lives in 和平社区
    response = alice.post(
        path,
        {"id_number": "43010219500101123X", "position": "chair", "group": "ordinary", "has_accounting": "on"},
    )
    assert response.status_code == 302
    member = CommitteeMember.objects.get()
    term_html = page(alice, url("committee_term", term.pk))
    assert "张三丰是阳光社区登记居民" in term_html and "✓" in term_html and "✗" in term_html  # size not met
    response = alice.post(
        url("committee_member_step", member.pk, "seat"), {"joined_on": TODAY.isoformat(), "next": "term"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == "serving"


def test_member_page_leave_and_removal_motion(world: World, term: CommitteeTerm) -> None:
    member = committee.check_propose_member(world.alice, term, world.person, group="party")
    committee.do_seat_member(world.alice, member, TODAY)
    alice = logged_in(world.alice)
    response = alice.post(
        url("committee_member_step", member.pk, "removal"),
        {"filed_on": TODAY.isoformat(), "signatures": "19", "electorate": "100", "reason": "长期不履职"},
    )
    assert response.status_code == 302
    html = page(alice, url("committee_member", member.pk))
    assert "联名19人，不足有选举权居民100人的五分之一（至少20人），罢免要求不成立。" in html
    response = alice.post(
        url("committee_member_step", member.pk, "removal"),
        {"filed_on": TODAY.isoformat(), "signatures": "20", "electorate": "100", "reason": "长期不履职"},
    )
    motion = RemovalMotion.objects.get(outcome="pending")
    response = alice.post(
        url("committee_removal_decide", motion.pk), {"removed": "1", "decided_on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == "removed"
    response = alice.post(
        url("committee_member_step", member.pk, "leave"), {"removed": "0", "on": "", "reason": ""}
    )
    assert response.status_code == 200
    assert alice.post(url("committee_member_step", member.pk, "nonsense")).status_code == 404


def test_cadre_posts_page_creates_and_ends_posts(world: World) -> None:
    alice = logged_in(world.alice)
    response = alice.post(
        url("committee_post_create", world.sunshine.pk),
        {
            "id_number": "43010219500101123X",
            "body": "party",
            "title": "书记",
            "is_party_secretary": "on",
            "starts_on": "2021-01-01",
        },
    )
    assert response.status_code == 302
    html = page(alice, url("committee_posts", world.sunshine.pk))
    assert "张三丰" in html and "党组织书记" in html
    post = world.person.cadre_posts.get()
    response = alice.post(url("committee_post_end", post.pk), {"ends_on": "2020-01-01"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.ends_on is None
    alice.post(url("committee_post_end", post.pk), {"ends_on": TODAY.isoformat()})
    post.refresh_from_db()
    assert post.ends_on == TODAY
    response = alice.post(url("committee_post_create", world.sunshine.pk), {"id_number": "", "body": "x"})
    assert response.status_code == 200 and "未能登记任职" in response.content.decode()


def test_kinship_import_page_reports_the_bad_row(world: World) -> None:
    cadre(world, "王大明", 2)
    alice = logged_in(world.alice)
    data = "\n".join(
        [
            "干部身份证号,干部姓名,亲属姓名,亲属身份证号,关系",
            f"{fake_id(2)},王大明,李秀英,{fake_id(3)},配偶",
            f"{fake_id(2)},王大明,王二,430102198503076513,弟弟",
        ]
    ).encode()
    response = alice.post(
        url("committee_kinship_import", world.sunshine.pk),
        {"file": SimpleUploadedFile("kin.csv", data, content_type="text/csv")},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "导入 1 行，1 行未导入" in html and "亲属身份证号：身份证号码校验位错误" in html
    assert Kinship.objects.count() == 1
    response = alice.post(
        url("committee_kinship_import", world.sunshine.pk),
        {"file": SimpleUploadedFile("x.xlsx", b"not a workbook", content_type="application/octet-stream")},
    )
    assert response.status_code == 200 and "不是有效的 Excel 工作簿" in response.content.decode()
    assert alice.get(url("committee_kinship_template")).status_code == 200
    assert logged_in(world.bob).get(url("committee_kinship_template")).status_code == 404


def test_kinship_add_form_validates_the_id_number(world: World) -> None:
    cadre(world, "王大明", 2)
    alice = logged_in(world.alice)
    path = url("committee_kinship_add", world.sunshine.pk)
    response = alice.post(
        path,
        {
            "cadre_id_number": fake_id(2),
            "relative_name": "王二",
            "relative_id_number": "430102198503076513",
            "relation": "sibling",
        },
    )
    assert response.status_code == 200 and "身份证号码校验位错误" in response.content.decode()
    response = alice.post(
        path,
        {
            "cadre_id_number": fake_id(2),
            "relative_name": "王二",
            "relative_id_number": fake_id(70),
            "relation": "sibling",
        },
    )
    assert response.status_code == 302 and Kinship.objects.count() == 1


def test_election_pages_end_to_end(world: World, term: CommitteeTerm) -> None:
    alice = logged_in(world.alice)
    response = alice.post(
        url("committee_election_create", term.pk),
        {
            "held_on": TODAY.isoformat(),
            "seats": "1",
            "method": "ballots",
            "quorum_percent": "67",
            "majority_percent": "50",
        },
    )
    election = Election.objects.get()
    assert response.status_code == 302
    step = lambda name: url("committee_election_step", election.pk, name)  # noqa: E731
    reps = [resident(world, f"代表{i}", 400 + i) for i in range(3)]
    response = alice.post(
        step("electors"), {"id_numbers": "\n".join([fake_id(400), fake_id(401), fake_id(402), "bad"])}
    )
    assert response.status_code == 200 and "第4行" in response.content.decode()
    alice.post(step("electors"), {"id_numbers": "\n".join(fake_id(400 + i) for i in range(3))})
    assert election.electors.count() == 3
    wang = cadre(world, "王大明", 2)
    response = alice.post(step("candidate"), {"id_number": fake_id(2), "group": "party"})
    assert "王大明现任居（村）民委员会委员" in response.content.decode()
    candidate_person = resident(world, "周候选", 500)
    alice.post(step("candidate"), {"id_number": fake_id(500), "group": "ordinary", "has_accounting": "on"})
    alice.post(step("open"))
    election.refresh_from_db()
    assert election.status == "voting"
    candidate = election.candidates.get()
    electors = list(election.electors.order_by("pk"))
    html = page(alice, url("committee_election", election.pk))
    assert "登记投票人" in html and step("ballot") not in html  # no ballot before the voters
    response = alice.post(step("voters"), {"electors": [e.pk for e in electors]})
    assert response.status_code == 302
    response = alice.post(step("voters"), {"electors": [electors[0].pk]})
    assert response.status_code == 200  # already voted: no longer offered
    for _elector in electors:
        assert alice.post(step("ballot"), {"choices": [candidate.pk]}).status_code == 302
    response = alice.post(step("ballot"), {"choices": [candidate.pk]})
    assert response.status_code == 200 and "选票不能多于投票人数" in response.content.decode()
    assert election.ballots.count() == 3
    alice.post(step("count"))
    election.refresh_from_db()
    assert election.status == "counted" and election.result["elected"] == [candidate.pk]
    html = page(logged_in(world.bob), url("committee_election", election.pk))
    assert "周候选得3票，当选。" in html
    assert logged_in(world.bob).post(step("publish")).status_code == 403
    alice.post(step("publish"))
    disclosure = Disclosure.objects.get()
    assert disclosure.payload["candidates"][0]["name"] == "周*选"
    assert CommitteeMember.objects.get(person=candidate_person).status == "serving"
    assert "监委会审核签字" in page(logged_in(world.bob), url("committee_election", election.pk))
    assert "监委会审核签字" not in page(alice, url("committee_election", election.pk))
    alice.post(step("sign"))  # staff cannot sign in the committee's name
    disclosure.refresh_from_db()
    assert disclosure.status == "draft"
    logged_in(world.bob).post(step("sign"))
    assert logged_in(world.bob).post(step("release")).status_code == 403
    alice.post(step("release"))
    disclosure.refresh_from_db()
    assert disclosure.status == "published"
    assert len(reps) == 3 and wang.pk


def test_tally_form(world: World, term: CommitteeTerm) -> None:
    election = elections.check_create_election(world.alice, term, held_on=TODAY, seats=1, method="tally")
    elections.do_add_electors(world.alice, election, [resident(world, f"代表{i}", 600 + i) for i in range(3)])
    candidate = elections.check_add_candidate(world.alice, election, world.person, group="party")
    elections.do_open_voting(world.alice, election)
    alice = logged_in(world.alice)
    step = url("committee_election_step", election.pk, "tally")
    electors = list(election.electors.values_list("pk", flat=True))
    response = alice.post(step, {"attended": electors[:2], f"votes_{candidate.pk}": "5"})
    assert response.status_code == 200 and "超过到会人数2人" in response.content.decode()
    response = alice.post(step, {"attended": electors[:2], f"votes_{candidate.pk}": "-1"})
    assert response.status_code == 200 and "得票数不能为负数" in response.content.decode()
    assert alice.post(step, {"attended": electors, f"votes_{candidate.pk}": "3"}).status_code == 302
    candidate.refresh_from_db()
    assert candidate.tally == 3


# --- pinned query counts -------------------------------------------------------------------------------
# Session, user, role assignments, (the area,) the count and the page (+ the current terms on the index):
# the same however many rows there are.


def get_ok(client: Client, path: str) -> None:
    assert client.get(path).status_code == 200


def test_index_query_count_is_pinned(
    world: World, term: CommitteeTerm, django_assert_num_queries: Any
) -> None:
    client = logged_in(world.erin)
    with django_assert_num_queries(6):
        get_ok(client, url("committee_index"))
    for i in range(3):
        committee.check_create_term(
            None,
            world.peace,
            number=i + 1,
            starts_on=TODAY - datetime.timedelta(days=3000 - 1000 * i),
            ends_on=TODAY - datetime.timedelta(days=2001 - 1000 * i),
        )
    committee.check_create_term(
        None, world.village, number=1, starts_on=TODAY, ends_on=TODAY + datetime.timedelta(days=9)
    )
    with django_assert_num_queries(6):
        get_ok(client, url("committee_index"))


def test_kinship_and_posts_query_counts_are_pinned(world: World, django_assert_num_queries: Any) -> None:
    alice = logged_in(world.alice)
    for n in (1, 4):
        for i in range(n):
            person = cadre(world, f"干部{n}{i}", 700 + 10 * n + i)
            cadres.check_add_kinship(
                world.alice,
                world.sunshine,
                person,
                relative_name=f"亲属{i}",
                relative_id_number=fake_id(800 + 10 * n + i),
                relation="child",
            )
        with django_assert_num_queries(6):
            get_ok(alice, url("committee_kinship", world.sunshine.pk))
        with django_assert_num_queries(6):
            get_ok(alice, url("committee_posts", world.sunshine.pk))
