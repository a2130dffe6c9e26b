# A sync run's one-line message by meaning (msgids and their values), rendered when read.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("outlook", "0005_sync_progress")]

    operations = [
        migrations.AddField(
            model_name="syncrun",
            name="message_parts",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
    ]
