"""Who did something: a user, a command-line operator or the system itself.

Audit entries record the actor; services take it as the keyword argument `actor`.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.accounts.models import User


class ActorKind(StrEnum):
    USER = "user"
    CLI = "cli"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    label: str
    user_id: int | None = None
    schema: str = "public"

    @classmethod
    def for_user(cls, user: User, *, schema: str) -> Actor:
        return cls(kind=ActorKind.USER, label=user.email, user_id=user.pk, schema=schema)

    @classmethod
    def cli(cls) -> Actor:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "unknown"
        return cls(kind=ActorKind.CLI, label=f"cli:{who}")

    @classmethod
    def system(cls, what: str) -> Actor:
        return cls(kind=ActorKind.SYSTEM, label=f"system:{what}")
