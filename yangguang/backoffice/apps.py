from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """Staff back office: views, forms and templates only; the domain lives in yangguang.core."""

    name = "yangguang.backoffice"
    label = "backoffice"
