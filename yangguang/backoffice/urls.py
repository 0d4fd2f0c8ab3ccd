"""Back-office URLs under /office/."""

from django.urls import path

from yangguang.backoffice.views import auth, home

app_name = "backoffice"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
]
