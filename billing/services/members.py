"""Institution logins: the operator adds a customer's staff, who then see their own usage and
invoices on /institution/. A new login has no password; it gets a one-time link (the same kind the
district staff get) to set one. Removing a login deactivates the account, so sessions and links
stop working and the history of who it was stays."""

from __future__ import annotations

from django.db import transaction

from billing.models import Customer, CustomerMember
from core.accounts.models import User
from core.accounts.services import login_link_issue
from core.common.actors import Actor
from core.common.errors import Conflict, ValidationFailed
from tenants.audit import platform_audit_record


def customer_member_add(
    *, actor: Actor, customer: Customer, email: str, full_name: str
) -> tuple[CustomerMember, str]:
    """A login for one of the customer's staff; returns it and its one-time link token."""
    address = email.strip().lower()
    if "@" not in address or len(address) > 254:
        raise ValidationFailed("请填写有效的电子邮箱", field="email")
    if not 1 <= len(full_name.strip()) <= 100:
        raise ValidationFailed("请填写姓名（100字以内）", field="full_name")
    if User.objects.filter(email=address).exists():
        raise Conflict(f"账号“{address}”已存在，不能重复开通", field="email", code="EMAIL_TAKEN")
    with transaction.atomic():
        user = User.objects.create_user(email=address, full_name=full_name.strip())
        member = CustomerMember.objects.create(user=user, customer=customer)
        token = login_link_issue(user=user)
        platform_audit_record(actor=actor, action="billing.customer_member_add",
                              details={"customer": customer.pk, "email": address})  # fmt: skip
    return member, token


def customer_member_link(*, actor: Actor, member: CustomerMember) -> str:
    """A new one-time link for a login that lost or never used its first one."""
    if not member.user.is_active:
        raise ValidationFailed("该机构用户已停用", field="member")
    with transaction.atomic():
        token = login_link_issue(user=member.user)
        platform_audit_record(actor=actor, action="billing.customer_member_link",
                              details={"customer": member.customer_id, "email": member.user.email})  # fmt: skip
    return token


def customer_member_deactivate(*, actor: Actor, member: CustomerMember) -> None:
    with transaction.atomic():
        User.objects.filter(pk=member.user_id).update(is_active=False)
        platform_audit_record(actor=actor, action="billing.customer_member_deactivate",
                              details={"customer": member.customer_id, "email": member.user.email})  # fmt: skip
