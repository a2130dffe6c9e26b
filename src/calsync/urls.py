"""The URL map: pages, the REST API under /api/, the OpenAPI schema."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from calsync.accounts import views as account_views
from calsync.accounts.api import MeView, ObtainTokenView

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("profile/", account_views.profile, name="profile"),
    path("api/token", ObtainTokenView.as_view(), name="api-token"),
    path("api/me", MeView.as_view(), name="api-me"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include("calsync.outlook.web.urls")),
    path("api/", include("calsync.calendars.api_urls")),
    path("", include("calsync.calendars.page_urls")),
]
