"""Template helpers of the portal."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from yangguang.portal.scrub import scrub

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """A rate as a percentage ("87.5%", "100%"); "暂无数据" when there is nothing to measure."""
    if value is None:
        return _("暂无数据")
    text = f"{value * 100:.1f}".removesuffix(".0")
    return f"{text}%"


@register.filter(name="scrub")
def scrub_filter(value: str) -> str:
    """Mask phone and ID numbers a resident typed into text that is shown publicly."""
    return scrub(str(value))
