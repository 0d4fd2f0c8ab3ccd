"""Public resident portal URLs."""

from django.urls import path

from yangguang.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.index, name="index"),
]
