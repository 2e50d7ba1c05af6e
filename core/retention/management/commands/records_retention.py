"""`manage.py records_retention [--district SLUG] [--dry-run] [--on YYYY-MM-DD]`: delete by hand
what the daily job deletes (negative information about people kept past its retention,
征信业管理条例 Art. 16; docs/subsystems/retention.md), in one district or in every live one.
`--dry-run` lists what would be removed (record ids, kinds, rule versions and dates, no content)
and changes nothing; `--on` looks at another day, in a dry run only."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
from django_tenants.utils import schema_context

from core.common.actors import Actor
from core.common.commands import Command as ProjectCommand
from core.common.errors import ApplicationError
from core.retention.services import KIND_LABELS, records_retention_delete
from tenants.selectors import district_schemas


class Command(ProjectCommand):
    help = (
        "Delete negative information about people kept past its retention (征信业管理条例 Art. 16)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--district", help="the district's slug (default: every live one)")
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be removed, change nothing"
        )
        parser.add_argument(
            "--on", type=date.fromisoformat, help="the day to look at (YYYY-MM-DD; dry runs only)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        today = timezone.localdate()
        on: date = options["on"] or today
        if on != today and not dry_run:
            raise CommandError("只有试运行（--dry-run）可以指定其他日期")
        try:
            schemas = district_schemas(options["district"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for schema in schemas:
            with schema_context(schema):
                run = records_retention_delete(today=on, actor=Actor.cli(), dry_run=dry_run)
            self.stdout.write(f"{schema}：{run.summary()}")
            if dry_run:
                for due in run.due:
                    self.stdout.write(
                        f"  记录{due.record_id}　{KIND_LABELS.get(due.kind, due.kind)}"
                        f"　主体{due.subject_id}　规则{due.rule_code}"
                        f"　终止之日{due.ended_on:%Y-%m-%d}　保存至{due.kept_until:%Y-%m-%d}"
                    )
