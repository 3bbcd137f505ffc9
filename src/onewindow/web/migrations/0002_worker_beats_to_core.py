# WorkerBeat moves to core (operations live there); its table is renamed, not recreated, so
# the beats of workers running through the upgrade are kept (a lost beat would have their
# running tasks queued again). core.0005_worker_beats takes the model into core's state.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("web", "0001_worker_beats"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="workerbeat", table="core_workerbeat"),
            ],
            state_operations=[
                migrations.DeleteModel(name="WorkerBeat"),
            ],
        ),
    ]
