"""Back up one district and restore it as another (provisioning/services/backup.py).

manage.py district_archive export SLUG FILE.tar.gz
manage.py district_archive restore FILE.tar.gz --slug NEW_SLUG --domain NEW_DOMAIN [--region-code CODE]
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from core.common.actors import Actor
from core.common.commands import Command as ProjectCommand
from core.common.errors import ApplicationError
from provisioning.management.ready import require_migrated
from provisioning.services.backup import ArchiveSummary, district_export, district_import
from tenants.selectors import district_get


class Command(ProjectCommand):
    help = "Export a district (schema and files) to an archive, or restore one as a new district."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        export = commands.add_parser("export", help="write SLUG's schema and files to FILE")
        export.add_argument("slug")
        export.add_argument("file", type=Path)
        restore = commands.add_parser("restore", help="create a new district from FILE")
        restore.add_argument("file", type=Path)
        restore.add_argument("--slug", required=True)
        restore.add_argument("--domain", required=True)
        restore.add_argument("--region-code", default="", help="defaults to the archive's")

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        actor = Actor.cli()
        try:
            if options["action"] == "export":
                summary = district_export(district=district_get(slug=options["slug"]),
                                          out=options["file"], actor=actor)  # fmt: skip
            else:
                if not options["file"].is_file():
                    raise CommandError(f"没有归档文件：{options['file']}")
                summary = district_import(archive_path=options["file"], slug=options["slug"],
                                           domain=options["domain"], region_code=options["region_code"],
                                           actor=actor)  # fmt: skip
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self._summary(options["action"], summary))

    @staticmethod
    def _summary(action: str, s: ArchiveSummary) -> str:
        verb = "已导出" if action == "export" else "已恢复为"
        return (f"{verb} {s.slug}：{s.tables}张表 {s.rows}行，{s.files}个文件，"
                f"归档 {s.bytes / 1024 / 1024:.1f} MB，用时 {s.seconds:.1f} 秒")  # fmt: skip
