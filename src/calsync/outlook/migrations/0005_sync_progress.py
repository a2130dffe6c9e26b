# The progress of a running sync (phase, done of total), for the page's progress bar.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("outlook", "0004_outlook_subscriptions")]

    operations = [
        migrations.AddField(
            model_name="syncrun",
            name="phase",
            field=models.CharField(blank=True, max_length=20, verbose_name="phase"),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="progress_done",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="progress_total",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
