"""Django admin of users (``/admin/``), behind the Users page: search, filters, fields.
Passwords are set on the Users page (or ``calsync adduser``), which checks them."""

from __future__ import annotations

from django.contrib import admin

from calsync.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "time_zone", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff")
    search_fields = ("email", "name")
    fields = ("email", "name", "time_zone", "is_active", "is_staff", "is_superuser", "last_login")
    readonly_fields = ("last_login",)
    ordering = ("email",)
