"""The retention rule of 征信业管理条例 Art. 16 (in force since 2013-03-15) as its first version, and
triggers that refuse any change or removal of a version: a change of the law is a new version
with a later start (docs/subsystems/retention.md says which records count and why)."""

from datetime import date

from django.db import migrations

from core.common.append_only import append_only_sql

RULE = {
    "code": "2013",
    "name": "个人不良信息保存期限（征信业管理条例第十六条）",
    "basis": "《征信业管理条例》（国务院令第631号）第十六条",
    "effective_from": date(2013, 3, 15),
    "years": 5,
    "note": (
        "自然人的不良信息自不良行为或者事件终止之日起保存5年，期满删除。"
        "计入不良信息的记录：行政处罚、严重失信主体名单、失信被执行人、经营异常名录（平台认定为失信的类别）；"
        "行政许可、守信激励、信用承诺及履行情况、合同履行、信用评价结果不属于不良信息。"
        "个体工商户按市场主体对待，不在本规则范围内。"
        "行政处罚自处罚有效期届满之日起算（未填写时为决定日期）；名单类自移出名单之日（公示截止日）起算；"
        "信用修复获准或决定被撤销、变更的，自该日起算。"
    ),
}
SCOPES = [
    ("natural", "penalty", "penalty_term_end"),
    ("natural", "black_list", "listing_end"),
    ("natural", "court_enforcement", "listing_end"),
    ("natural", "abnormal", "listing_end"),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("retention", "RetentionRule")
    Scope = apps.get_model("retention", "RetentionScope")
    rule, created = Rule.objects.get_or_create(
        code=RULE["code"], defaults={k: v for k, v in RULE.items() if k != "code"}
    )
    if created:
        Scope.objects.bulk_create(
            [
                Scope(rule=rule, subject_kind=subject, record_kind=kind, runs_from=runs_from)
                for subject, kind, runs_from in SCOPES
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunSQL(*append_only_sql("retention_retentionrule")),
        migrations.RunSQL(*append_only_sql("retention_retentionscope")),
    ]
