from django.db import migrations


def seed(apps, schema_editor):
    from core.common.official_calendar import official_exceptions

    CalendarDay = apps.get_model("common", "CalendarDay")
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, kind=k, name=n) for d, k, n in official_exceptions() if d not in existing]
    )


class Migration(migrations.Migration):
    dependencies = [("common", "0001_calendar_day")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
