"""The private follow-up link /t/<code>/: progress, reply, result photos, the rating; nothing about others."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.portal.helpers import PNG_SIGNATURE, close, closed_case, new_case, photo
from yangguang.core.actions import cases
from yangguang.core.models import Case, CaseAttachment, CaseStatus


def tracking_url(case: Case) -> str:
    return reverse("portal:tracking", args=[case.tracking_code])


@pytest.mark.parametrize("code", ["ABCDEFGH23", "abc", "ABCDEFGHJK1"])
def test_wrong_code_is_404(world: World, client: Client, code: str) -> None:
    new_case(world)
    assert client.get(reverse("portal:tracking", args=[code])).status_code == 404
    assert client.get(reverse("portal:report_done", args=[code])).status_code == 404


def test_tracking_page_is_never_indexed_cached_or_referred(world: World, client: Client) -> None:
    case = new_case(world)
    response = client.get(tracking_url(case))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex' in response.content.decode()


def test_code_typed_in_lower_case_is_forgiven(world: World, client: Client) -> None:
    case = new_case(world)
    response = client.get(reverse("portal:tracking", args=[case.tracking_code.lower()]))
    assert response.status_code == 302 and response["Location"] == tracking_url(case)


def test_lookup_box_opens_the_page_of_a_written_down_code(world: World, client: Client) -> None:
    case = new_case(world)
    typed = f" {case.tracking_code[:5].lower()} {case.tracking_code[5:]} "
    response = client.get(reverse("portal:lookup"), {"code": typed})
    assert response.status_code == 302 and response["Location"] == tracking_url(case)
    unknown = client.get(reverse("portal:lookup"), {"code": "ZZZZZZZZZZ"})
    assert unknown.status_code == 200
    assert "没有找到这个查询码" in unknown.content.decode()


def test_progress_shows_the_public_timeline_reply_and_result_photos(world: World, client: Client) -> None:
    case = closed_case(world, photos=[photo("我拍的.png")])
    html = client.get(tracking_url(case)).content.decode()
    assert "当前状态：已办结" in html
    assert 'aria-current="step"' in html
    assert "承办单位已签收" in html and "已联系环卫公司清运完毕" in html
    assert "问题已办结。您对办理结果满意吗？" in html
    # The result photo (public evidence) is shown; the resident's own intake photo is staff-only.
    public = CaseAttachment.objects.get(case=case, public=True)
    private = CaseAttachment.objects.get(case=case, public=False)
    assert reverse("portal:attachment", args=[case.tracking_code, public.pk]) in html
    assert reverse("portal:attachment", args=[case.tracking_code, private.pk]) not in html


def test_never_shows_the_handler_or_other_reporters(world: World, client: Client) -> None:
    case = new_case(world, reporter_name="王大妈", reporter_phone="13812345678")
    other = new_case(
        world, reporter_name="李大爷", reporter_phone="13998765432", description="楼下垃圾三天没收了很臭"
    )
    cases.do_transition(world.alice, other, "merge", target=case, note="同一问题")
    close(world, case)
    html = client.get(tracking_url(case)).content.decode()
    for secret in ("葛瑞", "grace", "王爱丽", "alice", "李大爷", "13998765432", "139****5432", "13812345678"):
        assert secret not in html
    # The merged resident's own link points at the public page of the merged case, not its private link.
    merged_html = client.get(tracking_url(other)).content.decode()
    assert reverse("portal:case", args=[case.number]) in merged_html
    assert case.tracking_code not in merged_html


def test_result_photo_is_served_only_when_public_and_of_this_case(world: World, client: Client) -> None:
    case = closed_case(world, photos=[photo("我拍的.png")])
    other = closed_case(world, reporter_phone="13900000001")
    public = CaseAttachment.objects.get(case=case, public=True)
    private = CaseAttachment.objects.get(case=case, public=False)
    others = CaseAttachment.objects.get(case=other, public=True)
    response = client.get(reverse("portal:attachment", args=[case.tracking_code, public.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Referrer-Policy"] == "no-referrer"
    assert b"".join(response.streaming_content).startswith(PNG_SIGNATURE)  # type: ignore[attr-defined]
    assert "结果" not in response["Content-Disposition"]
    assert client.get(reverse("portal:attachment", args=[case.tracking_code, private.pk])).status_code == 404
    assert client.get(reverse("portal:attachment", args=[case.tracking_code, others.pk])).status_code == 404


def test_open_case_has_no_rating_form(world: World, client: Client) -> None:
    html = client.get(tracking_url(new_case(world))).content.decode()
    assert 'name="score"' not in html
    assert 'id="rating"' not in html


def test_rating_form_offers_five_labelled_choices(world: World, client: Client) -> None:
    html = client.get(tracking_url(closed_case(world))).content.decode()
    labels = re.findall(r'<label for="score-(\d)">.*?</span> (\S+)</label>', html, re.S)
    assert labels == [("5", "非常满意"), ("4", "满意"), ("3", "一般"), ("2", "不满意"), ("1", "非常不满意")]


def test_satisfied_rating_through_the_private_link(world: World, client: Client) -> None:
    case = closed_case(world)
    response = client.post(reverse("portal:rate", args=[case.tracking_code]), {"score": "5", "note": "很快"})
    assert response.status_code == 302
    assert response["Location"] == tracking_url(case) + "#rating"
    case.refresh_from_db()
    assert case.status == CaseStatus.SATISFIED and case.satisfaction == 5
    assert case.events.get(kind="rate_satisfied").note == "很快"
    html = client.get(tracking_url(case)).content.decode()
    assert "您的评价：5分（非常满意）" in html and "感谢您的评价" in html
    assert 'name="score"' not in html


def test_unsatisfied_rating_reopens_the_case(world: World, client: Client) -> None:
    case = closed_case(world)
    client.post(reverse("portal:rate", args=[case.tracking_code]), {"score": "1", "note": "根本没清"})
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.redo_count == 1 and case.handler == world.grace
    html = client.get(tracking_url(case)).content.decode()
    assert "已退回重新办理" in html
    assert "根本没清" in html  # the resident's own words, on their own page


def test_rating_from_a_no_referrer_page_is_accepted(world: World) -> None:
    """The tracking page sends no Referer, so browsers post its form with `Origin: null`; the code in the
    URL is the only authority, and the rating must still go through."""
    case = closed_case(world)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("portal:rate", args=[case.tracking_code]), {"score": "4"}, HTTP_ORIGIN="null"
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SATISFIED


def test_rating_twice_is_refused_gently(world: World, client: Client) -> None:
    case = closed_case(world)
    url = reverse("portal:rate", args=[case.tracking_code])
    client.post(url, {"score": "4"})
    again = client.post(url, {"score": "1"})
    assert again.status_code == 200
    assert "现在不能评价" in again.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SATISFIED and case.satisfaction == 4


def test_rating_without_a_choice_says_so(world: World, client: Client) -> None:
    case = closed_case(world)
    response = client.post(reverse("portal:rate", args=[case.tracking_code]), {"note": "还行"})
    html = response.content.decode()
    assert "请选择您的评价。" in html and ">还行</textarea>" in html
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_rating_needs_a_known_code(world: World, client: Client) -> None:
    closed_case(world)
    assert client.post(reverse("portal:rate", args=["ZZZZZZZZZZ"]), {"score": "5"}).status_code == 404


def test_confirmation_without_phone_says_to_keep_the_code(world: World, client: Client) -> None:
    case = new_case(world, reporter_phone="")
    html = client.get(reverse("portal:report_done", args=[case.tracking_code])).content.decode()
    assert "您没有留下手机号" in html


def test_rating_is_post_only(world: World, client: Client) -> None:
    case = closed_case(world)
    assert client.get(reverse("portal:rate", args=[case.tracking_code])).status_code == 405
