# WorkerBeat, moved from web: web.0002_worker_beats_to_core renamed its table to
# core_workerbeat; here the model enters core's state, with nothing to do in the database.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0004_held_task"),
        ("web", "0002_worker_beats_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WorkerBeat",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("worker_id", models.CharField(max_length=64, unique=True)),
                        ("host", models.CharField(max_length=255)),
                        ("pid", models.PositiveIntegerField()),
                        ("started_at", models.DateTimeField()),
                        ("beat_at", models.DateTimeField(db_index=True)),
                    ],
                ),
            ],
        ),
    ]
