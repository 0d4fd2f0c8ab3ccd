"""Forms of area management: a new child area, and an area's name and code.

They validate the shape only; jurisdiction, placement and duplicate names are checked by
`actions.areas.check_create_area` / `check_update_area`, whose errors are put back beside the fields.
The import reuses the people import's upload form (`views.imports.ImportForm`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yangguang.core.models import Area, AreaKind

FIELDS_TEMPLATE = "backoffice/registry/_form_fields.html"


def _name_field() -> forms.CharField:
    return forms.CharField(
        label=_("名称"),
        max_length=Area._meta.get_field("name").max_length,
        error_messages={"required": _("请填写名称。")},
    )


def _code_field() -> forms.CharField:
    return forms.CharField(
        label=_("编码"),
        required=False,
        max_length=Area._meta.get_field("code").max_length,
        help_text=_("可选。区填写 GB/T 2260 行政区划代码；其他层级可填本地编码。"),
    )


class AreaForm(forms.Form):
    """An existing area's name and code (its kind and place in the tree do not change)."""

    template_name = FIELDS_TEMPLATE

    name = _name_field()
    code = _code_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ChildAreaForm(AreaForm):
    """A new area under a given parent: the kind is one of those allowed there."""

    kind = forms.ChoiceField(label=_("类型"), error_messages={"invalid_choice": _("请选择有效的类型。")})

    field_order = ["kind", "name", "code"]

    def __init__(self, *args: Any, kinds: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, AreaKind(kind).label) for kind in kinds]  # type: ignore[attr-defined]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
