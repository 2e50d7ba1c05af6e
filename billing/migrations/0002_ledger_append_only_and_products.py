from django.db import migrations

from core.common.append_only import append_only_sql

PRODUCTS = [
    ("basic_report", "基础版信用报告", "主体公开的公共信用信息：登记信息、行政许可、行政处罚、红黑名单等，按国家报告结构出具，含验证码，可在线核验。", "份"),
    ("full_report", "完整版信用报告", "在基础版之上，经主体书面授权后包含依授权公开的信息；每次调用须提供有效授权。", "份"),
    ("score_query", "信用评分查询", "法人和非法人组织的公共信用综合评价分值、等级及主要扣分加分项。", "次"),
    ("batch_query", "批量评分查询", "一次提交至多100个统一社会信用代码，返回每个主体的评分与等级，按查得主体计量。", "户"),
    ("monitoring", "信用监测订阅", "对关注的主体按月订阅，主体新增行政处罚、失信名单等信息时推送通知。", "户·月"),
]


def seed(apps, schema_editor):
    Product = apps.get_model("billing", "Product")
    for sort, (code, name, description, unit) in enumerate(PRODUCTS):
        Product.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "unit": unit, "sort": sort}
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        *(
            migrations.RunSQL(*append_only_sql(table))
            for table in (
                "billing_usageevent",
                "billing_wallettopup",
                "billing_invoice",
                "billing_creditnote",
            )
        ),
    ]
