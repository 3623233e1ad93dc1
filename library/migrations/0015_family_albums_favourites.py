"""Favourites per user and albums. A photo's sidecar favourite (the `favorite` flag this removes)
becomes what a new import makes of it (library.curation.favourites.apply_sidecar_favourite):
five stars where it had no rating, and a Favourite of the user who imported it, if any."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


FAVOURITE_STARS = 5  # library.curation.favourites.SIDECAR_FAVOURITE_STARS when this was written


def favourites_from_sidecars(apps, schema_editor):
    Photo, Favourite = apps.get_model("library", "Photo"), apps.get_model("library", "Favourite")
    marked = Photo.objects.filter(favorite=True)
    marked.filter(rating__isnull=True).update(rating=FAVOURITE_STARS)
    importers = marked.filter(import_session__user__isnull=False).values_list("pk", "import_session__user")
    Favourite.objects.bulk_create([Favourite(photo_id=photo, user_id=user) for photo, user in importers.iterator()],
                                  batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('library', '0014_edge_hash'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Album',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('updated', models.DateTimeField(auto_now=True)),
                ('cover', models.ForeignKey(blank=True, help_text="The photo on the album's card; without one, its newest photo.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='library.photo')),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='albums', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-updated', '-id'],
            },
        ),
        migrations.CreateModel(
            name='AlbumPhoto',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('added_at', models.DateTimeField(auto_now_add=True)),
                ('added_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('album', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='library.album')),
                ('photo', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='album_entries', to='library.photo')),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.AddField(
            model_name='album',
            name='photos',
            field=models.ManyToManyField(blank=True, related_name='albums', through='library.AlbumPhoto', to='library.photo'),
        ),
        migrations.CreateModel(
            name='Favourite',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('photo', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='favourites', to='library.photo')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='favourites', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='AlbumMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('can_add', models.BooleanField(default=False, help_text='May add photos (and remove those they added).')),
                ('album', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='members', to='library.album')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='album_memberships', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['id'],
                'indexes': [models.Index(fields=['user'], name='album_member_user_idx')],
                'constraints': [models.UniqueConstraint(fields=('album', 'user'), name='album_member_once')],
            },
        ),
        migrations.AddIndex(
            model_name='albumphoto',
            index=models.Index(fields=['photo'], name='album_photo_photo_idx'),
        ),
        migrations.AddConstraint(
            model_name='albumphoto',
            constraint=models.UniqueConstraint(fields=('album', 'photo'), name='album_photo_once'),
        ),
        migrations.AddIndex(
            model_name='favourite',
            index=models.Index(fields=['photo'], name='favourite_photo_idx'),
        ),
        migrations.AddConstraint(
            model_name='favourite',
            constraint=models.UniqueConstraint(fields=('user', 'photo'), name='favourite_once_per_user'),
        ),
        migrations.RunPython(favourites_from_sidecars, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='photo',
            name='favorite',
        ),
    ]
