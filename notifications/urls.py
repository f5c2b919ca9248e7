from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notices, name="list"),
    path("read/", views.mark_read, name="read"),
    path("settings/", views.choices, name="settings"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
