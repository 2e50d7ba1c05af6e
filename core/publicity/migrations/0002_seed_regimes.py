"""The three regimes of DOMAIN.md §5. Where a regime names no period for a severity, the row below
says what the platform does and why (note field); all of it is editable data."""

from datetime import date

from django.db import migrations

SECTORS_2023 = ["food", "drug", "special_equipment", "work_safety", "fire"]

REGIMES = [
    {
        "code": "2019",
        "name": "2019年失信信息公示期限规定",
        "basis": "发改办财金〔2019〕527号",
        "effective_from": date(2019, 7, 1),
        "note": "该规定未设“轻微”一类，轻微信息按一般信息处理。",
        "rules": [
            ("minor", "", True, 3, 12),
            ("ordinary", "", True, 3, 12),
            ("serious", "", True, 6, 36),
        ],
    },
    {
        "code": "2023",
        "name": "失信行为纠正后的信用信息修复管理办法（试行）",
        "basis": "国家发展改革委令第58号",
        "effective_from": date(2023, 5, 1),
        "note": "行政处罚信息最短3个月、最长3年；食品、药品、特种设备、安全生产、消防领域最短1年。"
        "该办法未单列“严重”“轻微”，严重按最短1年、轻微按一般处理。",
        "rules": [("minor", "", True, 3, 36), ("ordinary", "", True, 3, 36), ("serious", "", True, 12, 36)]
        + [("ordinary", s, True, 12, 36) for s in SECTORS_2023]
        + [("minor", s, True, 12, 36) for s in SECTORS_2023],
    },
    {
        "code": "2026",
        "name": "公共信用信息公示与信用修复管理办法",
        "basis": "国家发展改革委令第36号",
        "effective_from": date(2026, 4, 1),
        "note": "轻微信息不予公示（监管部门要求公示的，不超过3个月）；一般3个月至1年；严重1至3年。",
        "rules": [("minor", "", False, 0, 3), ("ordinary", "", True, 3, 12), ("serious", "", True, 12, 36)],
    },
]


def seed(apps, schema_editor):
    Regime = apps.get_model("publicity", "PublicityRegime")
    Rule = apps.get_model("publicity", "PublicityRule")
    for data in REGIMES:
        regime, created = Regime.objects.get_or_create(
            code=data["code"],
            defaults={k: data[k] for k in ("name", "basis", "effective_from", "note")},
        )
        if created:
            Rule.objects.bulk_create(
                [
                    Rule(regime=regime, severity=sev, sector=sector, published=pub, min_months=lo, max_months=hi)
                    for sev, sector, pub, lo, hi in data["rules"]
                ]
            )


class Migration(migrations.Migration):
    dependencies = [("publicity", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
