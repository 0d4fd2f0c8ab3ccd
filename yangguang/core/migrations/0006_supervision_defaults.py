"""Seed the committee composition rules and the platform's default power and supervision lists (editable
afterwards; a district adapts them and communities adopt items). Each rule names its source."""

import datetime

from django.db import migrations

RULES = [
    # area kind, min size, max size, thirds rule, min accounting members, source
    ("community", 5, 7, True, 1, "芙蓉区居务监督委员会工作实践（种子000）；村民委员会组织法第32条"),
    (
        "village",
        3,
        5,
        False,
        1,
        "中共中央办公厅、国务院办公厅《关于建立健全村务监督委员会的指导意见》（2017）",
    ),
]


def seed(apps, schema_editor):
    CommitteeRule = apps.get_model("core", "CommitteeRule")
    for kind, low, high, thirds, accounting, source in RULES:
        CommitteeRule.objects.get_or_create(
            area_kind=kind,
            area=None,
            effective_from=datetime.date(2017, 12, 4),
            defaults={
                "min_size": low,
                "max_size": high,
                "require_thirds": thirds,
                "min_accounting": accounting,
                "source": source,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0005_supervision")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
