"""Every user gets their default calendar, and every event is filed in its owner's."""

from django.conf import settings
from django.db import migrations

DEFAULT_COLOR = "#3b82f6"


def forwards(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Calendar = apps.get_model("calendars", "Calendar")
    Event = apps.get_model("calendars", "Event")
    having = set(Calendar.objects.filter(is_default=True).values_list("owner_id", flat=True))
    Calendar.objects.bulk_create(
        Calendar(owner_id=pk, name="", color=DEFAULT_COLOR, is_default=True)
        for pk in User.objects.exclude(pk__in=having).values_list("pk", flat=True).iterator()
    )
    for owner_id, calendar_id in Calendar.objects.filter(is_default=True).values_list(
        "owner_id", "pk"
    ):
        Event.objects.filter(owner_id=owner_id, calendar__isnull=True).update(
            calendar_id=calendar_id
        )


def backwards(apps, schema_editor):
    """Nothing to undo: 0003's reversal drops the calendars and the events' column."""


class Migration(migrations.Migration):
    dependencies = [
        ("calendars", "0003_calendars_and_feeds_per_calendar"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
