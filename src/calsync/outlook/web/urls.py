"""Routes of the Outlook integration: settings, consent, status, sync, the sync log."""

from __future__ import annotations

from django.urls import path

from calsync.outlook.web import api, calendars_api, user_page, users_page, views, webhook

app_name = "outlook"

urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
    path("outlook/connect", views.connect, name="connect"),
    path("outlook/disconnect", views.disconnect, name="disconnect"),
    path("microsoft_account/authentication", views.authentication, name="authentication"),
    path("outlook/sync", views.sync_now, name="sync"),
    path("outlook/panel", views.panel, name="panel"),
    path("outlook/notifications", webhook.receive, name="notifications"),
    path("api/outlook/status", api.OutlookStatusView.as_view(), name="api-status"),
    path("api/outlook/sync", api.OutlookSyncView.as_view(), name="api-sync"),
    path("api/outlook/reset", api.OutlookResetView.as_view(), name="api-reset"),
    path(
        "api/outlook/calendars",
        calendars_api.OutlookCalendarsView.as_view(),
        name="api-outlook-calendars",
    ),
    path(
        "api/outlook/calendars/<str:calendar_id>",
        calendars_api.OutlookCalendarLinkView.as_view(),
        name="api-outlook-calendar-link",
    ),
    path("users/", users_page.users, name="users"),
    path("users/add", users_page.add_user, name="users-add"),
    path("users/<int:user_id>/active", users_page.set_active, name="users-active"),
    path("users/<int:user_id>/password", users_page.set_password, name="users-password"),
    path("users/<int:user_id>/calendar", user_page.user_calendar, name="user-calendar"),
    path(
        "users/<int:user_id>/calendar/reset",
        user_page.reset_account_view,
        name="user-calendar-reset",
    ),
]
