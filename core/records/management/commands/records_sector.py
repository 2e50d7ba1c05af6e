"""`manage.py records_sector [--district SLUG] [--dry-run]`: infer again the field (领域) of every
penalty whose field the platform inferred (core/publicity/sectors.py; not those a 行业领域 column or
a clerk stated) and recompute its publicity window by the regime of its decision date (the 2023
rules' one-year minimum for food, drugs, special equipment, work safety and fire), in one district
or in every live one. Records withdrawn, repaired or past their publicity are left alone. Prints
the counts in Chinese; `--dry-run` lists each change and makes none. Idempotent."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
from django_tenants.utils import schema_context

from core.common.actors import Actor
from core.common.commands import Command as ProjectCommand
from core.common.errors import ApplicationError
from core.publicity.enums import Sector
from core.records.services import records_sector_recompute
from tenants.selectors import district_schemas


class Command(ProjectCommand):
    help = "Infer penalties' fields again and recompute their publicity windows (2023 rules)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--district", help="the district's slug (default: every live one)")
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would change, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        try:
            schemas = district_schemas(options["district"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for schema in schemas:
            with schema_context(schema):
                run = records_sector_recompute(
                    actor=Actor.cli(), today=timezone.localdate(), dry_run=dry_run
                )
            self.stdout.write(f"{schema}：{run.summary()}")
            for record_id, before, after in run.planned:
                self.stdout.write(
                    f"  记录{record_id}　{_label(before)}→{_label(after)}"
                    f"　可申请修复起{before['repair_from']}→{after['repair_from']}"
                    f"　公示截止{before['publicity_end']}→{after['publicity_end']}"
                )
            if run.conflicts:
                listed = "、".join(map(str, run.conflicts))
                self.stdout.write(f"  公示截止期早于新的最短公示期届满日、未调整的记录：{listed}")


def _label(values: dict[str, object]) -> str:
    return str(Sector(str(values["sector"])).label)
