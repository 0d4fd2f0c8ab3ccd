from django.apps import AppConfig


class ApiConfig(AppConfig):
    """django-ninja API at /api/v1/."""

    name = "yangguang.api"
    label = "api"
