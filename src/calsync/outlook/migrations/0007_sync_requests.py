# A sync asked for by a process that does not run it (a change notification received by a
# web process without a scheduler), for whichever scheduler or Celery task comes first.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("outlook", "0006_log_message_params")]

    operations = [
        migrations.CreateModel(
            name="SyncRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("trigger", models.CharField(max_length=20)),
                ("not_before", models.DateTimeField(db_index=True)),
                ("changes", models.JSONField(blank=True, default=list)),
                ("force", models.BooleanField(default=False)),
                ("version", models.PositiveIntegerField(default=0)),
                ("requested_at", models.DateTimeField()),
                (
                    "account",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sync_request",
                        to="outlook.outlookaccount",
                    ),
                ),
            ],
            options={"verbose_name": "sync request", "verbose_name_plural": "sync requests"},
        ),
    ]
