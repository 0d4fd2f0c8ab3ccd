"""`submit_form`, the POST of one form on a record's page: success (message, redirect), an invalid form
(message, the page again), the action's errors beside the fields, and a refusal naming no field (a message
and back to the page, when the view gives `refused_url`). Fake actions; no database."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from yangguang.backoffice.views.generic import submit_form

PAGE = "/office/things/7/"


class NoteForm(forms.Form):
    note = forms.CharField(max_length=20)


def posted(**data: str) -> HttpRequest:
    request = RequestFactory().post(PAGE, data)
    request._messages = CookieStorage(request)  # type: ignore[attr-defined]  # what MessageMiddleware does
    return request


def messages_of(request: HttpRequest) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in messages.get_messages(request)]


class Page:
    """A stand-in for the record's page: counts how often it is shown again."""

    def __init__(self) -> None:
        self.shown = 0

    def __call__(self) -> HttpResponse:
        self.shown += 1
        return HttpResponse("the page, with the form")


def refuse(exc: ValidationError) -> Any:
    def perform(data: dict[str, Any]) -> None:
        raise exc

    return perform


def submit(request: HttpRequest, form: forms.Form, perform: Any, page: Page, **options: Any) -> HttpResponse:
    return submit_form(
        request,
        form,
        perform,
        done="已保存。",
        success_url=PAGE,
        failed="未能保存，请按提示修改。",
        rerender=page,
        **options,
    )


def test_success_runs_the_action_with_the_cleaned_data_then_redirects_with_a_message() -> None:
    request = posted(note=" 记一笔 ")
    seen: list[dict[str, Any]] = []
    page = Page()
    response = submit(request, NoteForm(request.POST), seen.append, page)
    assert seen == [{"note": "记一笔"}]
    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert messages_of(request) == [(messages.SUCCESS, "已保存。")]
    assert page.shown == 0


def test_message_and_url_may_depend_on_what_the_action_returned() -> None:
    request = posted(note="N-12")
    response = submit_form(
        request,
        NoteForm(request.POST),
        lambda data: data["note"].lower(),
        done=lambda number: f"已下达 {number}。",
        success_url=lambda number: f"/office/notices/{number}/",
        failed="未能保存，请按提示修改。",
        rerender=Page(),
    )
    assert response["Location"] == "/office/notices/n-12/"
    assert messages_of(request) == [(messages.SUCCESS, "已下达 n-12。")]


def test_invalid_form_shows_the_page_again_without_running_the_action() -> None:
    request = posted(note="")
    form = NoteForm(request.POST)
    seen: list[dict[str, Any]] = []
    page = Page()
    response = submit(request, form, seen.append, page)
    assert seen == []
    assert response.status_code == 200
    assert page.shown == 1
    assert "note" in form.errors
    assert messages_of(request) == [(messages.ERROR, "未能保存，请按提示修改。")]


def test_the_actions_field_errors_go_beside_their_fields() -> None:
    request = posted(note="x")
    form = NoteForm(request.POST)
    page = Page()
    exc = ValidationError({"note": "写得太短。", "elsewhere": "不在表单上的字段。"})
    response = submit(request, form, refuse(exc), page, refused_url=PAGE)
    assert response.status_code == 200
    assert page.shown == 1
    assert form.errors["note"] == ["写得太短。"]
    assert form.non_field_errors() == ["不在表单上的字段。"]
    assert messages_of(request) == [(messages.ERROR, "未能保存，请按提示修改。")]


def test_without_refused_url_a_refusal_goes_above_the_form() -> None:
    request = posted(note="x")
    form = NoteForm(request.POST)
    page = Page()
    response = submit(request, form, refuse(ValidationError("该检查已结束。")), page)
    assert response.status_code == 200
    assert page.shown == 1
    assert form.non_field_errors() == ["该检查已结束。"]
    assert messages_of(request) == [(messages.ERROR, "未能保存，请按提示修改。")]


def test_with_refused_url_a_refusal_is_a_message_and_back_to_the_page() -> None:
    request = posted(note="x")
    form = NoteForm(request.POST)
    page = Page()
    exc = ValidationError(["该检查已结束。", "请刷新页面。"])
    response = submit(request, form, refuse(exc), page, refused_url="/office/things/7/#top")
    assert response.status_code == 302
    assert response["Location"] == "/office/things/7/#top"
    assert page.shown == 0
    assert not form.errors
    assert messages_of(request) == [(messages.ERROR, "该检查已结束。；请刷新页面。")]


def test_a_view_may_show_a_refusal_its_own_way() -> None:
    request = posted(note="x")
    exc = ValidationError(["该检查已结束。", "请刷新页面。"])

    def one_message_each(request: HttpRequest, exc: ValidationError) -> None:
        for message in exc.messages:
            messages.error(request, message)

    response = submit(
        request, NoteForm(request.POST), refuse(exc), Page(), refused_url=PAGE, refuse=one_message_each
    )
    assert response["Location"] == PAGE
    assert messages_of(request) == [(messages.ERROR, "该检查已结束。"), (messages.ERROR, "请刷新页面。")]
