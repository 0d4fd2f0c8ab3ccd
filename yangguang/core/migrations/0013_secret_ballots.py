# Ballots entered one by one become secret: a ballot no longer names the representative who cast it.
# That a representative voted stays on the elector (`attended`); each existing ballot is re-created
# without its elector, under a new id and in a random order, so neither its id, its position nor the
# audit entry that named the voter of the old ballot leads to the new one. There is no way back.

import secrets

from django.db import migrations, models


def split_ballots(apps, schema_editor):
    Ballot = apps.get_model("core", "Ballot")
    Elector = apps.get_model("core", "Elector")
    Elector.objects.filter(ballot__isnull=False).update(attended=True)
    by_election: dict[int, list[list[int]]] = {}
    for ballot in Ballot.objects.prefetch_related("choices").order_by("pk"):
        by_election.setdefault(ballot.election_id, []).append([c.pk for c in ballot.choices.all()])
    Ballot.objects.all().delete()
    shuffle = secrets.SystemRandom().shuffle
    for election_id, contents in by_election.items():
        shuffle(contents)
        for choices in contents:
            ballot = Ballot.objects.create(election_id=election_id)
            ballot.choices.set(choices)
    if schema_editor.connection.vendor == "postgresql":
        # The rows written above leave deferred foreign-key checks pending, and PostgreSQL refuses to
        # alter a table with pending trigger events in the same transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def refuse_to_relink(apps, schema_editor):
    """A secret ballot cannot be given back its voter: reversing works only while there are no ballots."""
    if apps.get_model("core", "Ballot").objects.exists():
        raise RuntimeError(
            "Secret ballots cannot be linked back to their electors: delete the ballots before reversing."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0012_finding_project"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ballot",
            name="elector",
            field=models.OneToOneField(
                null=True,
                on_delete=models.deletion.CASCADE,
                related_name="ballot",
                to="core.elector",
            ),
        ),
        migrations.RunPython(split_ballots, refuse_to_relink),
        migrations.RemoveField(
            model_name="ballot",
            name="elector",
        ),
        migrations.RemoveField(
            model_name="ballot",
            name="cast_at",
        ),
    ]
