# The Graph change-notification subscription of each Outlook account.
# Follows 0003_reset_cutoff.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('outlook', '0003_reset_cutoff'),
    ]

    operations = [
        migrations.CreateModel(
            name='OutlookSubscription',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('subscription_id', models.CharField(blank=True, db_index=True, max_length=200)),
                ('client_state_encrypted', models.TextField(blank=True, editable=False)),
                ('notification_url', models.CharField(blank=True, max_length=500)),
                ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='expires')),
                ('renew_requested', models.BooleanField(default=False)),
                ('created_at', models.DateTimeField(blank=True, null=True)),
                ('renewed_at', models.DateTimeField(blank=True, null=True)),
                ('last_notification_at', models.DateTimeField(blank=True, null=True, verbose_name='last notification')),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('retry_after', models.DateTimeField(blank=True, editable=False, null=True)),
                ('claimed_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('account', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='subscription', to='outlook.outlookaccount')),
            ],
            options={
                'verbose_name': 'Outlook subscription',
                'verbose_name_plural': 'Outlook subscriptions',
            },
        ),
    ]
