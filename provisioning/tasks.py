"""Celery tasks for districts (thin: they call services)."""

from __future__ import annotations

from celery import shared_task

from core.common.actors import Actor
from provisioning.services.lifecycle import district_purge_due
from provisioning.services.spares import spare_pool_fill
from provisioning.services.template import template_ensure


@shared_task(name="tenants.district_purge_due_task")
def district_purge_due_task() -> list[str]:
    """Purge every district whose deletion grace period has passed (run daily by beat)."""
    return district_purge_due(actor=Actor.system("purge-due"))


@shared_task(name="tenants.spare_pool_fill_task")
def spare_pool_fill_task() -> int:
    """Top up the pool of pre-cloned spare schemas (after each onboarding, and daily)."""
    return spare_pool_fill()


@shared_task(name="tenants.template_ensure_task")
def template_ensure_task() -> bool:
    """Bring the template schema up to date with the migrations on disk (run after deploys)."""
    return template_ensure()
