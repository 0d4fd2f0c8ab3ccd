"""Seed the national rules for who counts as a household member (民发〔2021〕57号 art. 7). A province or city
overrides a rule by adding its own row for its area with its own document; these rows stay the fallback."""

import datetime

from django.db import migrations

SOURCE = "民政部《最低生活保障审核确认办法》（民发〔2021〕57号）第七条"
RULES = [
    # circumstance, counted, reason
    ("applicant", True, "申请人本人计入家庭成员。"),
    ("spouse", True, "配偶计入共同生活的家庭成员。"),
    ("minor_child", True, "未成年子女计入共同生活的家庭成员。"),
    ("dependent_adult_child", True, "已成年但不能独立生活的子女计入共同生活的家庭成员。"),
    (
        "student_bachelor",
        True,
        "在校就读本科及以下学历的全日制学生视为不能独立生活的成年子女，计入家庭成员。",
    ),
    ("graduate_student", False, "全日制研究生不属于本科及以下学历的在校学生，不计入共同生活的家庭成员。"),
    ("support_cohabiting", True, "与申请人有赡养、抚养或扶养义务且长期共同居住的人员计入家庭成员。"),
    ("clergy_apart", False, "连续三年以上脱离家庭独立生活的宗教教职人员不计入家庭成员。"),
    ("prisoner", False, "在监狱内服刑、在强制隔离戒毒所执行强制隔离戒毒的人员不计入家庭成员。"),
    ("missing", False, "宣告失踪人员不计入家庭成员。"),
    ("other_not_cohabiting", False, "不具有上述情形的其他人员不计入共同生活的家庭成员。"),
]


def seed(apps, schema_editor):
    CountingRule = apps.get_model("core", "CountingRule")
    for circumstance, counted, reason in RULES:
        CountingRule.objects.get_or_create(
            area=None,
            circumstance=circumstance,
            effective_from=datetime.date(2021, 7, 1),
            defaults={"counted": counted, "reason": reason, "source": SOURCE},
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0007_welfare_projects")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
