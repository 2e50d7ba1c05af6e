"""The permission policy in templates: `{% load policy %}` then `{% if user|can:"consent.verify" %}`
(core/accounts/policy.py). A name no domain declares is an error, not a hidden link."""

from __future__ import annotations

from typing import Any

from django import template

# Every domain's permissions, so that each name is declared before a template asks for it
# (tests/portal_theme/test_policy.py checks that none is missing).
import core.accounts.permissions  # noqa: F401
import core.catalog.permissions  # noqa: F401
import core.collection.permissions  # noqa: F401
import core.content.permissions  # noqa: F401
import core.discipline.permissions  # noqa: F401
import core.records.permissions  # noqa: F401
import core.remedies.permissions  # noqa: F401
import core.reports.permissions  # noqa: F401
import core.scoring.permissions  # noqa: F401
import core.stats.permissions  # noqa: F401
import core.upstream.permissions  # noqa: F401
import exchange.permissions  # noqa: F401
from core.accounts import policy

register = template.Library()


@register.filter
def can(user: Any, name: str) -> bool:
    """Whether the user holds the permission declared under `name`."""
    return policy.can(user, policy.declared(name))
