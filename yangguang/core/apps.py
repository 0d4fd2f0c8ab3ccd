from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The domain: every model and action lives in this one app with one migration history."""

    name = "yangguang.core"
    label = "core"
    verbose_name = _("阳光社区核心")

    def ready(self) -> None:
        # Registers the system checks of the keys and the production settings (yangguang/core/checks.py).
        from yangguang.core import checks  # noqa: F401
