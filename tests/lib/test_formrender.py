"""The Python-written widgets must produce exactly what Django's own widget templates produce."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from yangguang.lib.formrender import WRITERS, FastRenderer, overridden_templates

CHOICES: list[Any] = [
    ("", "全部"),
    ("a", "甲 & <乙>"),
    ("组", [("b", gettext_lazy("全部")), (3, "三")]),
    (mark_safe("<i>"), mark_safe("<b>安全</b>")),
]

WIDGETS: list[tuple[forms.Widget, Any]] = [
    (
        forms.TextInput(attrs={"placeholder": '示例 "2025-03"', "required": True, "autofocus": False}),
        '值<>&"',
    ),
    (forms.TextInput(), None),
    (forms.TextInput(attrs={"type": "search", "maxlength": 100}), ""),
    (forms.NumberInput(attrs={"min": 0, "step": "0.01"}), 12.5),
    (forms.EmailInput(), "a@b.cn"),
    (forms.URLInput(), "https://例子.cn/?a=1&b=2"),
    (forms.PasswordInput(render_value=True), "secret"),
    (forms.HiddenInput(), 42),
    (forms.DateInput(attrs={"type": "date"}), datetime.date(2026, 12, 5)),
    (forms.DateTimeInput(), datetime.datetime(2026, 12, 5, 9, 30)),
    (forms.TimeInput(), datetime.time(9, 30)),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(attrs={"class": "x"}), False),
    (forms.Textarea(attrs={"rows": 3}), "第一行\n<第二行>"),
    (forms.Textarea(), ""),
    (forms.Select(choices=CHOICES, attrs={"id": "id_s", "aria-describedby": "h"}), "a"),
    (forms.Select(choices=CHOICES), 3),
    (forms.Select(choices=CHOICES), None),
    (forms.SelectMultiple(choices=CHOICES), ["a", "b"]),
    (forms.NullBooleanSelect(), True),
    (forms.RadioSelect(choices=CHOICES), "a"),  # not handled: must still render through the templates
    (forms.ClearableFileInput(), None),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("widget", "value"), WIDGETS, ids=lambda item: type(item).__name__)
def test_fast_renderer_writes_what_the_templates_write(
    widget: forms.Widget, value: Any, language: str
) -> None:
    with override(language):
        expected = widget.render("field", value, attrs={"id": "id_field"}, renderer=DjangoTemplates())
        fast = widget.render("field", value, attrs={"id": "id_field"}, renderer=FastRenderer())
    assert fast == expected


def test_a_whole_form_renders_alike() -> None:
    class Form(forms.Form):
        name = forms.CharField(label="姓名", help_text="两到十个字")
        kind = forms.ChoiceField(label="类型", choices=CHOICES[1:])
        note = forms.CharField(label="备注", widget=forms.Textarea, required=False)
        when = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))

    bound = Form({"name": "<张三>", "kind": "zz", "when": "not a date"})
    assert (
        bound.as_div()
        == Form({"name": "<张三>", "kind": "zz", "when": "not a date"}, renderer=DjangoTemplates()).as_div()
    )
    assert str(bound["kind"]) == str(Form(bound.data, renderer=DjangoTemplates())["kind"])


def test_the_project_is_configured_with_it_and_overrides_none_of_its_templates(settings: Any) -> None:
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastRenderer)
    assert overridden_templates() == []
    assert "django/forms/widgets/select_option.html" in WRITERS
