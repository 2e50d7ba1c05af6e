"""`manage.py graphql_schema`: write each schema's SDL to graphql_api/schema/<name>.graphql."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from core.common.commands import Command as ProjectCommand
from graphql_api.sdl import schemas, sdl_path


class Command(ProjectCommand):
    help = "Export the SDL of every GraphQL schema (or, with --check, fail when a file is stale)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        stale = []
        for name, text in schemas().items():
            path = sdl_path(name)
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current == text:
                continue
            if options["check"]:
                stale.append(str(path))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                self.stdout.write(f"已写入 {path}")
        if stale:
            raise CommandError(
                f"GraphQL 架构文件已过期（请运行 manage.py graphql_schema）：{'、'.join(stale)}"
            )
