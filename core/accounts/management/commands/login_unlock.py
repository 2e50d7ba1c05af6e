"""`manage.py login_unlock [--district <slug>] [--email E] [--address A]`: lift a login lock
(core/accounts/lockout.py) from the command line, e.g. when the operator's own account or address
is locked out of /admin/. Without --district: the operator's domain (operator staff, institution
users). Audited like an unlock in the consoles, with the command-line user as the actor."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from core.accounts.services import login_lock_clear
from core.common.actors import Actor
from core.common.commands import Command as ProjectCommand
from core.common.errors import ApplicationError
from core.common.softcache import CACHE_ERRORS
from core.common.tenancy import PUBLIC_SCHEMA
from tenants.selectors import district_get


class Command(ProjectCommand):
    help = "Unlock an account (by e-mail) and/or an address locked by the login limits."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--district", default="", help="the district's slug (default: operator)"
        )
        parser.add_argument("--email", default="", help="the account's e-mail")
        parser.add_argument("--address", default="", help="the visitor's IP address")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            schema = PUBLIC_SCHEMA
            if options["district"]:
                schema = district_get(slug=options["district"]).schema_name
            with schema_context(schema):
                was_locked = login_lock_clear(
                    actor=Actor.cli(), email=options["email"], address=options["address"]
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except CACHE_ERRORS as exc:
            raise CommandError(f"缓存不可用，未能解锁：{type(exc).__name__}") from exc
        self.stdout.write("已解除登录锁定" if was_locked else "未被锁定（失败计数已清除）")
