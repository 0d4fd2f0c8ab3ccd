"""Seed the default case categories and time limits (editable afterwards; each limit names its source)."""

import datetime

from django.db import migrations

CATEGORIES = [
    # code, name, default ownership, default kind
    ("public_order", "治安秩序", "government", "complaint"),
    ("greening", "绿化养护", "community", "help"),
    ("environment", "环境保护", "government", "complaint"),
    ("sanitation", "环境卫生", "community", "help"),
    ("property", "物业管理", "community", "complaint"),
    ("parking", "停车管理", "community", "complaint"),
    ("facilities", "公共设施", "community", "help"),
    ("welfare", "救助帮扶", "government", "help"),
    ("integrity", "廉情反映", "government", "report"),
    ("disputes", "矛盾纠纷", "community", "help"),
    ("safety", "安全隐患", "government", "report"),
    ("other", "其他", "community", "help"),
]

SOURCE = "广东省12345热线工单办理时限（2022）"
LIMITS = [
    # kind, urgency, workdays, work hours
    ("inquiry", "normal", 2, 0),
    ("help", "normal", 10, 0),
    ("suggestion", "normal", 10, 0),
    ("complaint", "normal", 15, 0),
    ("report", "normal", 15, 0),
    ("inquiry", "urgent", 0, 0),
    ("help", "urgent", 0, 0),
    ("suggestion", "urgent", 0, 0),
    ("complaint", "urgent", 0, 0),
    ("report", "urgent", 0, 0),
]


def seed(apps, schema_editor):
    CaseCategory = apps.get_model("core", "CaseCategory")
    SlaPolicy = apps.get_model("core", "SlaPolicy")
    for position, (code, name, ownership, kind) in enumerate(CATEGORIES):
        CaseCategory.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "default_ownership": ownership,
                "default_kind": kind,
                "position": position,
            },
        )
    for kind, urgency, workdays, hours in LIMITS:
        SlaPolicy.objects.get_or_create(
            kind=kind,
            urgency=urgency,
            category=None,
            area=None,
            defaults={
                "workdays": workdays,
                "work_hours": hours,
                "sign_within_hours": 1 if urgency == "urgent" else 4,
                "remind_before_hours": 2 if urgency == "urgent" else 8,
                "source": SOURCE + ("；紧急诉求当日办结" if urgency == "urgent" else ""),
                "effective_from": datetime.date(2022, 1, 1),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_cases")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
