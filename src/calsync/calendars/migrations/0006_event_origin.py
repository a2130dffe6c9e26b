# Where an event was made: empty for calsync, "outlook" for one a sync brought in from Outlook
# (the calendar page colours those "From Outlook"). Existing events: a sync gives an event it
# brings in from Outlook a name-based uid (uuid5: the sync engine's derived uid of an Outlook
# event, or the uid of an attendee's own copy), while calsync makes random ones (uuid4); so a
# top-level event with a version-5 uid came from Outlook.

import uuid

from django.db import migrations, models


def mark_outlook_events(apps, schema_editor):
    Event = apps.get_model("calendars", "Event")
    came = [
        pk
        for pk, uid in Event.objects.filter(series__isnull=True).values_list("pk", "uid").iterator()
        if uuid.UUID(str(uid)).version == 5
    ]
    for start in range(0, len(came), 500):
        Event.objects.filter(pk__in=came[start : start + 500]).update(origin="outlook")


class Migration(migrations.Migration):

    dependencies = [
        ('calendars', '0005_event_calendar_required'),
    ]

    operations = [
        migrations.AddField(
            model_name='event',
            name='origin',
            field=models.CharField(blank=True, default='', help_text='The outside calendar the event was made in (empty: made in calsync).', max_length=32, verbose_name='origin'),
        ),
        migrations.RunPython(mark_outlook_events, migrations.RunPython.noop),
    ]
