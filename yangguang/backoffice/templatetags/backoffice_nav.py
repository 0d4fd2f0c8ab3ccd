"""The back office's main navigation for templates.

`{% main_navigation %}` (after `{% load backoffice_nav %}`) shows the navigation of
`yangguang.backoffice.navigation` for the request and the `CAPS` of the context; it runs no query (`CAPS`
is already computed by the `platform` context processor).
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from yangguang.backoffice.navigation import navigation_html

register = template.Library()


@register.simple_tag(takes_context=True)
def main_navigation(context: template.Context) -> SafeString:
    request = context.get("request")
    if request is None:
        return SafeString("")
    return navigation_html(request, context.get("CAPS") or ())
