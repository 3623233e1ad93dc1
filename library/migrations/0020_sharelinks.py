"""Share links to albums (library.models.ShareLink)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('library', '0019_status_tallies'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ShareLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token_sha256', models.CharField(editable=False, max_length=64, unique=True)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('expires_on', models.DateField(blank=True, help_text='The last day the link works; blank: no end.', null=True)),
                ('password', models.CharField(blank=True, help_text='A password hash (blank: none asked).', max_length=128)),
                ('allow_download', models.BooleanField(default=False, help_text='Originals may be downloaded.')),
                ('keep_location', models.BooleanField(default=False, help_text='Where photos were taken is shown; otherwise it is removed (and originals that carry it are not served).')),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('album', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='share_links', to='library.album')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='share_links', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created', '-id'],
                'indexes': [models.Index(fields=['album'], name='share_link_album_idx'), models.Index(fields=['created_by'], name='share_link_creator_idx')],
            },
        ),
    ]
