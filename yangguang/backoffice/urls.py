"""Back-office URLs under /office/. Each part of the back office keeps its own urls_<part>.py."""

from django.urls import include, path

from yangguang.backoffice import (
    urls_accounts,
    urls_areas,
    urls_audit,
    urls_cases,
    urls_catalogue,
    urls_committee,
    urls_finance,
    urls_imports,
    urls_inspections,
    urls_projects,
    urls_registry,
    urls_welfare,
    urls_welfare_notices,
    urls_workspace,
)
from yangguang.backoffice.views import auth, home

app_name = "backoffice"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("", include(urls_registry)),
    path("", include(urls_areas)),
    path("", include(urls_accounts)),
    path("", include(urls_imports)),
    path("", include(urls_audit)),
    path("", include(urls_cases)),
    path("", include(urls_workspace)),
    path("", include(urls_committee)),
    path("", include(urls_catalogue)),
    path("", include(urls_inspections)),
    path("", include(urls_finance)),
    path("", include(urls_welfare)),
    path("", include(urls_welfare_notices)),
    path("", include(urls_projects)),
]
