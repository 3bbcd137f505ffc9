# One record of every read of someone else's personal data (see identity/access.py).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('identity', '0005_oidc_clients_sessions_consent_forms'),
    ]

    operations = [
        migrations.CreateModel(
            name='DataAccess',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('material_opened', 'Application materials opened'), ('contact_read', 'Contact details read'), ('claims_released', 'Full ID number released to a site or app'), ('exchange_fetch', 'Data fetched between departments'), ('identity_lookup', 'Identity looked up at a service hall')], max_length=32, verbose_name='kind')),
                ('accessor', models.CharField(blank=True, max_length=150, verbose_name='accessor')),
                ('what_zh', models.CharField(max_length=200)),
                ('what_en', models.CharField(max_length=200)),
                ('purpose', models.CharField(blank=True, max_length=100, verbose_name='purpose')),
                ('case_ref', models.CharField(blank=True, max_length=64, verbose_name='case')),
                ('legal_basis_zh', models.TextField(blank=True)),
                ('legal_basis_en', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('disclose_after', models.DateTimeField(blank=True, null=True)),
                ('is_reportable', models.BooleanField(default=False)),
                ('ledger_index', models.BigIntegerField(blank=True, null=True)),
                ('department', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='identity.department')),
                ('subject_business', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='identity.business')),
                ('subject_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.AddIndex(
            model_name='dataaccess',
            index=models.Index(fields=['subject_user', '-created_at'], name='access_about_person'),
        ),
        migrations.AddIndex(
            model_name='dataaccess',
            index=models.Index(fields=['subject_business', '-created_at'], name='access_about_business'),
        ),
    ]
