"""A customer's 统一社会信用代码 is printed on its invoices: every way of writing one — the service,
the console's add page and the customer's own page (which used to save any text), the model's
validation — checks it with core.common.identifiers.uscc_problem and says in Chinese what is wrong
(issue 22, point 7)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from billing.models import Customer
from billing.services.catalogue import customer_create
from core.common.errors import ValidationFailed
from tests.billing.test_admin import BANK, OPS, make_customer, operator_root
from tests.core.collection.files import uscc

VALID = uscc(900, head="91500000")
WRONG_CHECK = VALID[:17] + ("A" if VALID[17] != "A" else "B")
WRONG_CHECK_MESSAGE = (
    f"统一社会信用代码校验位错误：第18位应为“{VALID[17]}”，实为“{WRONG_CHECK[17]}”"
)


@pytest.fixture
def admin_client(db: None) -> Client:
    return operator_root()


def _page(customer: Customer, **changes: str) -> dict[str, str]:
    return {"name": customer.name, "uscc": customer.uscc, "contact_name": customer.contact_name,
            "contact_email": customer.contact_email, "webhook_url": customer.webhook_url,
            **changes}  # fmt: skip


@pytest.mark.django_db
def test_the_service_refuses_a_wrong_check_character() -> None:
    with pytest.raises(ValidationFailed) as refused:
        customer_create(actor=OPS, name=BANK, uscc=WRONG_CHECK, contact_email="risk@bank.test")

    assert refused.value.message == WRONG_CHECK_MESSAGE
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_the_model_validates_its_code() -> None:
    customer = Customer(name=BANK, uscc="91500000MA5U7XXX1Z", contact_email="risk@bank.test",
                        webhook_secret="s")  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        customer.full_clean()

    assert refused.value.message_dict["uscc"] == [
        "统一社会信用代码含非法字符“Z”（不使用I、O、Z、S、V）"
    ]


def test_the_add_page_names_the_problem(admin_client: Client) -> None:
    form = {"name": BANK, "uscc": WRONG_CHECK, "contact_email": "risk@bank.test"}

    response = admin_client.post("/admin/billing/customer/add/", form)

    assert response.context["form"].errors == {"uscc": [WRONG_CHECK_MESSAGE]}
    assert not Customer.objects.exists()


def test_the_customers_page_cannot_change_the_code(admin_client: Client) -> None:
    customer = make_customer()

    response = admin_client.post(
        f"/admin/billing/customer/{customer.pk}/change/", _page(customer, uscc=WRONG_CHECK)
    )

    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.uscc == VALID
