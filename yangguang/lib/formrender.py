"""A form renderer that writes Django's most common widgets in Python, with the same markup.

Django renders every widget through the template engine, and every `<option>` of a select through a
template of its own: the case page's dispatch form (about a hundred units and handlers) and the queue's
filter bar spent more time there than in their queries (bench.cases). This renderer produces exactly what
Django's templates for these widgets produce — `tests/lib/test_formrender.py` compares the two on every
widget kind it handles — and hands every other template (radio lists, file inputs, a project's own widget
templates) to the template engine as before. A project template that overrides one of the handled
templates by name would be ignored, so the handled names are checked against the template directories at
start-up (`overridden_templates`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in django-stubs

_INPUT_KINDS = (
    "checkbox",
    "color",
    "date",
    "datetime",
    "email",
    "hidden",
    "input",
    "number",
    "password",
    "search",
    "tel",
    "text",
    "time",
    "url",
)


def _attr_value(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: str() of the value, escaped unless it was already safe."""
    return str(conditional_escape(value if isinstance(value, str) else str(value)))


def _output(value: Any) -> str:
    """`{{ value }}` in a template: localised, then escaped unless safe."""
    value = localize(template_localtime(value))
    if not isinstance(value, str):
        value = str(value)
    return str(conditional_escape(value))


def attrs(attributes: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attributes.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_attr_value(name)}")
        else:
            parts.append(f' {_attr_value(name)}="{_attr_value(value)}"')
    return "".join(parts)


def render_input(widget: dict[str, Any]) -> str:
    """django/forms/widgets/input.html (and the templates that only include it)."""
    value = widget["value"]
    shown = f' value="{_attr_value(value)}"' if value is not None else ""
    return f'<input type="{_output(widget["type"])}" name="{_output(widget["name"])}"{shown}{attrs(widget["attrs"])}>'


def render_option(option: dict[str, Any]) -> str:
    """django/forms/widgets/select_option.html."""
    return f'<option value="{_attr_value(option["value"])}"{attrs(option["attrs"])}>{_output(option["label"])}</option>'


def render_select(widget: dict[str, Any]) -> str:
    """django/forms/widgets/select.html, its options written inline (each include's trailing newline kept)."""
    parts = [f'<select name="{_output(widget["name"])}"{attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_output(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != "django/forms/widgets/select_option.html":
                parts.append("\n  " + get_template(option["template_name"]).render({"widget": option}))
            else:
                parts.append("\n  " + render_option(option) + "\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def render_textarea(widget: dict[str, Any]) -> str:
    """django/forms/widgets/textarea.html."""
    value = widget["value"]
    return f'<textarea name="{_output(widget["name"])}"{attrs(widget["attrs"])}>\n{_output(value) if value else ""}</textarea>'


WRITERS: dict[str, Callable[[dict[str, Any]], str]] = {
    f"django/forms/widgets/{kind}.html": render_input for kind in _INPUT_KINDS
}
WRITERS["django/forms/widgets/select.html"] = render_select
WRITERS["django/forms/widgets/select_option.html"] = render_option
WRITERS["django/forms/widgets/textarea.html"] = render_textarea


def overridden_templates(names: Iterable[str] = WRITERS) -> list[str]:
    """The handled template names that a project template directory or app overrides (empty when none):
    the template found first must be Django's own."""
    found = []
    for name in names:
        try:
            origin = get_template(name).origin.name  # type: ignore[attr-defined]
        except TemplateDoesNotExist:
            continue
        if "/django/forms/templates/" not in origin.replace("\\", "/"):
            found.append(name)
    return found


class FastRenderer(DjangoTemplates):
    """Django's default form renderer, with the widgets of `WRITERS` written in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        # Plain text, as the template engine's renderer returns: the widget marks it safe (the writers
        # escape every value they put in).
        writer = WRITERS.get(template_name)
        if writer is None or "widget" not in context:
            return super().render(template_name, context, request)
        return writer(context["widget"])
