"""Reset Account: the per-account "sync only events created after" cutoff."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("outlook", "0002_sync_state")]

    operations = [
        migrations.AddField(
            model_name="outlookaccount",
            name="sync_created_after",
            field=models.DateTimeField(
                blank=True,
                help_text=(
                    "Set by Reset Account with 'Synchronize only new events': events created "
                    "before this time are left out of the sync, here and in Outlook."
                ),
                null=True,
                verbose_name="sync only events created after",
            ),
        ),
    ]
