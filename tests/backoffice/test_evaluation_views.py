"""The evaluation pages (履职评价): list with a pinned query count, the open form, the evaluation page with
its votes table, rating and tally forms, closing with flagged subjects highlighted, and the results
disclosure; outsiders get 404, readers who may not manage get 403."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.backoffice.test_case_page import logged_in
from tests.conftest import World
from tests.core.test_evaluation import THIS_YEAR, cadre, closed_with, id_number, opened, resident, subject_of
from yangguang.core.models import Disclosure, Evaluation, Grade, Rating

LIST = reverse("backoffice:finance_evaluation_list")
NEW = reverse("backoffice:finance_evaluation_open")


def url(name: str, evaluation: Evaluation) -> str:
    return reverse(f"backoffice:finance_evaluation_{name}", args=[evaluation.pk])


def page(client: Client, address: str) -> str:
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


# --- access ----------------------------------------------------------------------------------------------


def test_users_without_supervision_rights_get_404(world: World) -> None:
    evaluation = opened(world)
    for user in (world.mallory, world.grace):
        client = logged_in(user)
        assert client.get(LIST).status_code == 404
        assert client.get(NEW).status_code == 404
        assert client.get(url("detail", evaluation)).status_code == 404


def test_outsider_gets_404(world: World) -> None:
    evaluation = opened(world)
    carol = logged_in(world.carol)
    assert carol.get(url("detail", evaluation)).status_code == 404
    for name in ("rate", "tally", "close", "disclose"):
        assert carol.post(url(name, evaluation)).status_code == 404
    assert "年度民主评议" not in page(carol, LIST)


def test_readers_cannot_manage(world: World) -> None:
    evaluation = opened(world)
    for user in (world.bob, world.dave):
        client = logged_in(user)
        assert client.get(NEW).status_code == 403
        for name in ("rate", "tally", "close", "disclose"):
            assert client.post(url(name, evaluation)).status_code == 403
        body = page(client, url("detail", evaluation))
        assert "录入评议票" not in body and "结束评价" not in body
    assert Evaluation.objects.get().status == Evaluation.Status.OPEN


# --- list and open ---------------------------------------------------------------------------------------


def test_empty_list_says_so(world: World) -> None:
    assert "还没有履职评价" in page(logged_in(world.bob), LIST)


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_the_list_runs_a_fixed_number_of_queries(
    world: World, persona: str, django_assert_num_queries: Any
) -> None:
    opened(world, THIS_YEAR)
    client = logged_in(getattr(world, persona))
    client.get(LIST)
    # session, user, role assignments, count, page rows with areas and counts
    with django_assert_num_queries(5):
        response = client.get(LIST)
    assert response.status_code == 200
    for year in range(THIS_YEAR - 4, THIS_YEAR):
        opened(world, year)
    with django_assert_num_queries(5):
        body = client.get(LIST).content.decode()
    assert body.count("年度民主评议") == 5


def test_staff_open_an_evaluation(world: World) -> None:
    cadre(world, 1, "赵主任", "主任")
    client = logged_in(world.alice)
    assert "开始履职评价" in page(client, NEW)
    response = client.post(NEW, {"area": world.sunshine.pk, "year": THIS_YEAR, "title": "年度履职评价"})
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", evaluation)
    body = page(client, url("detail", evaluation))
    assert "赵主任" in body and "居务监督委员会" in body


def test_the_open_form_shows_chinese_errors(world: World) -> None:
    opened(world)
    client = logged_in(world.alice)
    body = client.post(
        NEW, {"area": world.sunshine.pk, "year": THIS_YEAR, "title": "年度民主评议"}
    ).content.decode()
    assert "已有名为" in body
    body = client.post(NEW, {"area": world.peace.pk, "year": "明年", "title": ""}).content.decode()
    assert "不在您的管辖范围内" in body and "请填写年度" in body
    assert Evaluation.objects.count() == 1


# --- votes -----------------------------------------------------------------------------------------------


def test_staff_enter_a_rating_by_id_number(world: World) -> None:
    chief = cadre(world, 1, "赵主任", "主任")
    evaluation = opened(world)
    resident(world, 10, "周密")
    subject = subject_of(evaluation, chief)
    client = logged_in(world.alice)
    data = {
        "rating-subject": subject.pk,
        "rating-rater_id_number": id_number(10),
        "rating-rater_kind": "resident",
        "rating-grade": Grade.FIT,
        "rating-comment": "",
    }
    assert client.post(url("rate", evaluation), data).status_code == 302
    assert Rating.objects.count() == 1
    response = client.post(url("rate", evaluation), data)
    assert response.status_code == 200 and "只能评议一次" in response.content.decode()
    assert Rating.objects.count() == 1
    # The page shows counts, never who rated.
    assert "周密" not in page(logged_in(world.bob), url("detail", evaluation))


def test_a_rater_from_elsewhere_or_a_bad_id_is_refused(world: World) -> None:
    evaluation = opened(world)
    subject = subject_of(evaluation, None)
    client = logged_in(world.alice)
    base = {"rating-subject": subject.pk, "rating-rater_kind": "resident", "rating-grade": Grade.FIT}
    body = client.post(
        url("rate", evaluation), {**base, "rating-rater_id_number": "430102198002022233"}
    ).content.decode()
    assert "在本社区没有找到该身份证号码的居民" in body
    body = client.post(url("rate", evaluation), {**base, "rating-rater_id_number": "12345"}).content.decode()
    assert "身份证" in body
    body = client.post(url("rate", evaluation), {"rating-subject": "x"}).content.decode()
    assert "所选评议对象不存在" in body
    assert not Rating.objects.exists()


def test_tallies_close_and_flagged_subjects_are_highlighted(world: World) -> None:
    chief = cadre(world, 1, "赵主任", "主任")
    closed_with(world, THIS_YEAR - 1, chief, 0, 1, 3)
    evaluation = opened(world)
    client = logged_in(world.alice)
    data = {
        "tally-subject": subject_of(evaluation, chief).pk,
        "tally-tally_fit": "1",
        "tally-tally_basic": "0",
        "tally-tally_unfit": "4",
    }
    assert client.post(url("tally", evaluation), data).status_code == 302
    body = client.post(url("tally", evaluation), {**data, "tally-tally_fit": "-1"}).content.decode()
    assert "票数不能为负数" in body
    response = client.post(url("close", evaluation), follow=True)
    body = response.content.decode()
    assert "连续两年被评为不称职" in body
    assert "<ul data-flagged><li><strong>赵主任" in body
    assert "<tr data-flagged" in body
    # Closing twice is a message, not a crash.
    assert "已经结束" in client.post(url("close", evaluation), follow=True).content.decode()


def test_results_disclosure_from_the_page(world: World) -> None:
    evaluation = opened(world)
    client = logged_in(world.alice)
    body = client.post(url("disclose", evaluation), follow=True).content.decode()
    assert "结束后才能生成" in body
    client.post(url("close", evaluation))
    body = client.post(url("disclose", evaluation), follow=True).content.decode()
    assert "已生成结果公示草稿" in body and "生成结果公示草稿</button>" not in body
    assert Disclosure.objects.get().kind == "evaluation_result"


def test_detail_runs_a_fixed_number_of_queries(world: World, django_assert_num_queries: Any) -> None:
    for seq in range(1, 4):
        cadre(world, seq, f"干部{seq}", "委员")
    evaluation = opened(world)
    client = logged_in(world.bob)
    client.get(url("detail", evaluation))
    # session, user, roles, evaluation with area, rating counts, subjects, disclosures
    with django_assert_num_queries(7):
        client.get(url("detail", evaluation))
