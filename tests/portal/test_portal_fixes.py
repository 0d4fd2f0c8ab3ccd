"""Findings of the phone usability audit: a refused rating says why and keeps what was typed, line breaks
count once, length messages are plain words, the disclosure pages are reachable from every page, and
every rating lists the best score first."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.core.test_notices import family, published, reviewed_application
from tests.core.test_projects import new_project
from tests.core.test_welfare_applications import dibao
from tests.portal.helpers import closed_case, form_data
from tests.portal.test_notices import TEXT
from yangguang.core.models import Case, CaseStatus, Objection, PublicNotice
from yangguang.portal.forms import FreeTextField, RatingForm, ReportForm
from yangguang.portal.views.notices import ObjectionForm
from yangguang.portal.views.projects import FeedbackForm


@pytest.fixture
def notice(world: World) -> PublicNotice:
    program = dibao(world)
    household = family(world, "H-0801", "周建国", "李秀英", 81)
    return published(world, program, [reviewed_application(world, program, household)])


def rate_url(case: Case) -> str:
    return reverse("portal:rate", args=[case.tracking_code])


def crlf_text(limit: int) -> str:
    """Exactly `limit` characters once line breaks count as one (as the browser counted them), sent with
    CRLF line breaks (as the browser submits them)."""
    line = "路灯" * 4 + "好"  # 9 characters, then a line break
    assert limit % 10 == 0
    return (line + "\r\n") * (limit // 10 - 1) + line + "好"


def test_crlf_text_helper_is_exactly_the_limit_in_browser_characters() -> None:
    text = crlf_text(500)
    assert len(text.replace("\r\n", "\n")) == 500 and len(text) > 500


# --- 1. a refused rating says why and keeps what was typed -------------------------------------------


def test_rating_with_a_too_long_note_shows_the_error_and_keeps_the_score(
    world: World, client: Client
) -> None:
    case = closed_case(world)
    note = "办得" + "好" * 499
    response = client.post(rate_url(case), {"score": "4", "note": note})
    html = response.content.decode()
    assert response.status_code == 200
    message = "最多可以写500个字，现在是501个字，请删减一些。"
    # In the summary at the top of the form, linking to the field …
    assert 'class="error-summary" role="alert"' in html
    assert f'<a href="#id_note">{message}</a>' in html
    assert "<title>请修改后再提交 ·" in html
    # … and beside the field, which says it is invalid and what describes it.
    assert f'<p class="error" id="id_note-error">{message}</p>' in html
    assert re.search(r'<textarea id="id_note"[^>]*aria-describedby="id_note-help id_note-error"', html)
    assert re.search(r'<textarea id="id_note"[^>]*aria-invalid="true"', html)
    # What the resident typed and chose is still there, and the form comes back into view.
    assert f">{note}</textarea>" in html
    assert re.search(r'id="score-4" value="4" checked', html)
    assert not re.search(r'id="score-[1235]" value="\d" checked', html)
    assert 'action="' + rate_url(case) + '#rating"' in html
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.satisfaction is None


def test_rating_without_a_score_links_the_summary_to_the_first_choice(world: World, client: Client) -> None:
    html = client.post(rate_url(closed_case(world)), {"note": "还行"}).content.decode()
    assert '<a href="#score-5">请选择您的评价。</a>' in html
    assert 'id="score-5"' in html


def test_rating_twice_explains_itself_without_a_dead_link(world: World, client: Client) -> None:
    case = closed_case(world)
    client.post(rate_url(case), {"score": "4"})
    html = client.post(rate_url(case), {"score": "2"}).content.decode()
    assert "<li>该诉求现在不能评价（可能已经评价过了）。</li>" in html


# --- 2. a line break counts once ---------------------------------------------------------------------


def test_a_crlf_note_of_exactly_the_limit_is_accepted_and_stored_with_lf(
    world: World, client: Client
) -> None:
    case = closed_case(world)
    response = client.post(rate_url(case), {"score": "5", "note": crlf_text(500)})
    assert response.status_code == 302
    note = case.events.get(kind="rate_satisfied").note
    assert "\r" not in note and note == crlf_text(500).replace("\r\n", "\n")


def test_a_crlf_description_of_exactly_the_limit_is_accepted(world: World, client: Client) -> None:
    response = client.post(reverse("portal:report"), form_data(world, description=crlf_text(2000)))
    assert response.status_code == 302
    assert Case.objects.get().description == crlf_text(2000).replace("\r\n", "\n")


def test_a_crlf_objection_of_exactly_the_limit_is_accepted(world: World, notice: PublicNotice) -> None:
    as_counted = TEXT + crlf_text(2000).replace("\r\n", "\n")[len(TEXT) :]
    assert len(as_counted) == 2000
    text = as_counted.replace("\n", "\r\n")
    response = Client().post(reverse("portal:notice", args=[notice.public_code]), {"text": text})
    assert response.status_code == 302
    assert "\r" not in Objection.objects.get().text


def test_a_crlf_project_comment_of_exactly_the_limit_is_accepted(world: World) -> None:
    form = FeedbackForm({"score": "5", "comment": crlf_text(500)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["comment"] == crlf_text(500).replace("\r\n", "\n")


@pytest.mark.parametrize("raw", ["一\r\n二", "一\r二", "一\n二"])
def test_every_kind_of_line_break_becomes_lf(raw: str) -> None:
    assert FreeTextField().clean(raw) == "一\n二"


def portal_text_fields(world: World) -> list[tuple[str, forms.Field]]:
    found: list[forms.Form] = [
        ReportForm(),
        RatingForm(),
        ObjectionForm(entries=[]),
        FeedbackForm(),
    ]
    return [(f"{type(form).__name__}.{name}", field) for form in found for name, field in form.fields.items()]


def test_every_portal_text_area_is_a_free_text_field(world: World) -> None:
    """A new `<textarea>` field must use FreeTextField, or its line breaks count twice again."""
    text_areas = {
        name for name, field in portal_text_fields(world) if isinstance(field.widget, forms.Textarea)
    }
    assert text_areas == {
        "ReportForm.description",
        "RatingForm.note",
        "ObjectionForm.text",
        "FeedbackForm.comment",
    }
    for name, field in portal_text_fields(world):
        if name in text_areas:
            assert isinstance(field, FreeTextField), name


# --- 3. plain messages -------------------------------------------------------------------------------


def test_a_too_long_description_says_so_plainly(world: World, client: Client) -> None:
    response = client.post(reverse("portal:report"), form_data(world, description="灯" * 2001))
    html = response.content.decode()
    assert '<a href="#id_description">最多可以写2000个字，现在是2001个字，请删减一些。</a>' in html
    assert "确保" not in html and "变量" not in html
    assert not Case.objects.exists()


def test_a_too_long_objection_says_so_plainly(world: World, notice: PublicNotice) -> None:
    url = reverse("portal:notice", args=[notice.public_code])
    html = Client().post(url, {"text": TEXT + "车" * 2000}).content.decode()
    assert f'<a href="#id_text">最多可以写2000个字，现在是{len(TEXT) + 2000}个字，请删减一些。</a>' in html
    assert "确保" not in html
    assert not Objection.objects.exists()


@pytest.mark.parametrize(
    ("form", "data", "message"),
    [
        (ReportForm, {}, "请描述您遇到的问题。"),
        (RatingForm, {}, "请选择您的评价。"),
        (FeedbackForm, {}, "请选择评分。"),
    ],
)
def test_empty_required_fields_speak_to_residents(
    world: World, form: Any, data: dict[str, str], message: str
) -> None:
    bound = form(data)
    assert not bound.is_valid()
    assert message in [str(m) for errors in bound.errors.values() for m in errors]


def test_an_empty_objection_asks_for_the_reason(world: World) -> None:
    form = ObjectionForm({}, entries=[])
    assert not form.is_valid()
    assert form.errors["text"] == ["请写下您的异议和理由。"]


# --- 4. the disclosure pages can be found ------------------------------------------------------------


def header_links(html: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav aria-label="主要链接">(.*?)</nav>', html, re.S)
    assert nav, "no header navigation"
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav.group(1))


def test_the_header_links_to_tracking_and_the_disclosure_pages(world: World, client: Client) -> None:
    links = header_links(client.get(reverse("portal:index")).content.decode())
    assert [text for _href, text in links] == ["查进展", "居务公开", "救助对象公示", "惠民项目"]
    hrefs = dict((text, href) for href, text in links)
    assert hrefs["居务公开"] == reverse("portal:disclosures")
    assert hrefs["救助对象公示"] == reverse("portal:notices")
    assert hrefs["惠民项目"] == reverse("portal:project_index")
    for href, text in links:
        assert client.get(href.split("#")[0]).status_code == 200, text


def test_the_header_is_on_every_portal_page_and_marks_where_the_resident_is(
    world: World, client: Client
) -> None:
    html = client.get(reverse("portal:notices")).content.decode()
    assert [text for _href, text in header_links(html)][1:3] == ["居务公开", "救助对象公示"]
    assert f'<a href="{reverse("portal:notices")}" aria-current="page">救助对象公示</a>' in html
    assert 'aria-current="page"' not in client.get(reverse("portal:index")).content.decode()


def test_the_index_points_to_the_disclosure_pages_and_each_community_s_projects(
    world: World, client: Client
) -> None:
    html = client.get(reverse("portal:index")).content.decode()
    assert 'id="communities"' in html
    assert f'<a href="{reverse("portal:disclosures")}">居务公开</a>' in html
    assert f'<a href="{reverse("portal:notices")}">救助对象公示</a>' in html
    assert f'<a href="{reverse("portal:project_index")}">惠民项目</a>' in html
    projects_link = reverse("portal:projects", args=[world.sunshine.pk])
    disclosures_link = reverse("portal:disclosure_list", args=[world.sunshine.pk])
    # The link names say which community, for a screen reader that lists links out of context.
    assert f'<a href="{projects_link}"><span class="visually-hidden">阳光社区</span>惠民项目</a>' in html
    assert f'<a href="{disclosures_link}"><span class="visually-hidden">阳光社区</span>居务公开</a>' in html
    assert client.get(projects_link).status_code == 200
    assert client.get(disclosures_link).status_code == 200


# --- 5. the best score first, everywhere -------------------------------------------------------------

CHOICE = re.compile(
    r'<input type="radio" name="score" id="score-(\d)" value="(\d)".*?<label for="score-(\d)">', re.S
)


def score_order(html: str) -> list[str]:
    found = CHOICE.findall(html)
    assert all(a == b == c for a, b, c in found)
    return [a for a, _b, _c in found]


def test_case_and_project_ratings_list_the_best_score_first(world: World, client: Client) -> None:
    case_html = client.get(
        reverse("portal:tracking", args=[closed_case(world).tracking_code])
    ).content.decode()
    project_html = client.get(reverse("portal:project", args=[new_project(world).pk])).content.decode()
    assert score_order(case_html) == score_order(project_html) == ["5", "4", "3", "2", "1"]
    labels = re.findall(r'<label for="score-(\d)">.*?</span> (\S+)</label>', case_html, re.S)
    assert labels == [("5", "非常满意"), ("4", "满意"), ("3", "一般"), ("2", "不满意"), ("1", "非常不满意")]
    # Still one group with its question as the legend.
    assert case_html.count("<legend>问题已办结。您对办理结果满意吗？</legend>") == 1
