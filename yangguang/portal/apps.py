from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Public, phone-first resident site."""

    name = "yangguang.portal"
    label = "portal"
