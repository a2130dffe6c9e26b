# Events Outlook cannot hold in their current version (a rule without a patternedRecurrence):
# remembered per account so that they are reported once, not on every sync.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("calendars", "0001_initial"),
        ("outlook", "0007_sync_requests"),
    ]

    operations = [
        migrations.CreateModel(
            name="UnsyncableEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveIntegerField()),
                ("entry", models.JSONField()),
                ("recorded_at", models.DateTimeField()),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="unsyncable_events",
                        to="outlook.outlookaccount",
                    ),
                ),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="calendars.event",
                    ),
                ),
            ],
            options={
                "verbose_name": "event Outlook cannot hold",
                "verbose_name_plural": "events Outlook cannot hold",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("account", "event"), name="unsyncable_event_one_per_event"
                    )
                ],
            },
        ),
    ]
