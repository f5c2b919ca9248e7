from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from project import views
from web import views as web_views

admin.site.site_header = "Translation service: translators and audit"
admin.site.site_title = "Translation service admin"
admin.site.index_title = "Work queue and audit trail"

handler400 = "project.views.bad_request"
handler404 = "project.views.not_found"
handler500 = "project.views.server_error"

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("web.urls")),
]
