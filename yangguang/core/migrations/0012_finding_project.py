# A finding raised from a welfare project's check names the project in a column, no longer only by the
# marker "（项目编号 P12）" in its description. Existing findings are linked by parsing that marker.

import re

import django.db.models.deletion
from django.db import migrations, models

# The marker `projects.finding_marker` has always written (never translated).
MARKER = re.compile(r"（项目编号 P(\d+)）")


def link_marked_findings(apps, schema_editor):
    """Set `project` on findings whose description carries a project marker, as the project page found
    them until now: the project must exist and be of the inspection's community."""
    Finding = apps.get_model("core", "Finding")
    Project = apps.get_model("core", "Project")
    wanted: dict[int, list[tuple[int, int]]] = {}
    marked = Finding.objects.filter(project__isnull=True, description__contains="（项目编号 P")
    for pk, description, area_id in marked.values_list("pk", "description", "inspection__area_id"):
        match = MARKER.search(description)
        if match is not None:
            wanted.setdefault(int(match.group(1)), []).append((pk, area_id))
    areas = dict(Project.objects.filter(pk__in=list(wanted)).values_list("pk", "area_id"))
    for project_id, findings in wanted.items():
        ids = [pk for pk, area_id in findings if areas.get(project_id) == area_id]
        if ids:
            Finding.objects.filter(pk__in=ids).update(project_id=project_id)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0011_staff_identity"),
    ]

    operations = [
        migrations.AddField(
            model_name="finding",
            name="project",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="findings",
                to="core.project",
                verbose_name="惠民项目",
            ),
        ),
        # Reversing leaves the column empty (it is then dropped); the markers stay in the descriptions.
        migrations.RunPython(link_marked_findings, migrations.RunPython.noop),
    ]
