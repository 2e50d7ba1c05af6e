"""The project's management commands: a refusal (CommandError) is printed as its Chinese sentence
alone on the command line, without Django's English "CommandError:" prefix. `call_command` (the
tests) still raises it."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    def run_from_argv(self, argv: list[str]) -> None:
        execute = self.execute

        def said_plainly(*args: Any, **options: Any) -> Any:
            try:
                return execute(*args, **options)
            except CommandError as refused:
                if options.get("traceback"):
                    raise
                self.stderr.write(str(refused))
                sys.exit(refused.returncode)

        self.execute = said_plainly  # type: ignore[method-assign]
        super().run_from_argv(argv)
