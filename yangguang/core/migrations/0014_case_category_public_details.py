# Categories can keep a case's content off the public pages (CaseCategory.public_details): relief/welfare
# requests, integrity reports and neighbour disputes are private by nature, and residents do not think of
# ticking 要求保密 for them. The seeded ones become private here; administrators may change it afterwards.

from django.db import migrations, models

# The codes seeded by 0003 (its PRIVATE_CATEGORIES, repeated: a migration keeps the values it ran with).
PRIVATE_CATEGORIES = ("welfare", "integrity", "disputes")


def make_private(apps, schema_editor):
    CaseCategory = apps.get_model("core", "CaseCategory")
    CaseCategory.objects.filter(code__in=PRIVATE_CATEGORIES).update(public_details=False)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0013_secret_ballots"),
    ]

    operations = [
        migrations.AddField(
            model_name="casecategory",
            name="public_details",
            field=models.BooleanField(
                default=True,
                help_text="不勾选时，此分类的诉求在门户公开页面、社区公示栏和 Open311 接口上与要求保密的诉求一样，只显示编号、分类和办理状态，不显示标题、描述、位置、办理记录和照片。后台不受影响。适用于救助帮扶、廉情反映、矛盾纠纷等涉及个人情况的分类。",
                verbose_name="公开诉求内容",
            ),
        ),
        migrations.RunPython(make_private, migrations.RunPython.noop),  # going back drops the field
    ]
