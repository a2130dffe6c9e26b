# Every event is in a calendar (0004 filled them).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("calendars", "0004_default_calendar_for_every_user"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="calendar",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="events",
                to="calendars.calendar",
                verbose_name="calendar",
            ),
        ),
    ]
