"""An institution lodges a subject's authorisation over the API (`consentLodge`).

Lodging is checked like a purchase (issue 18, finding 1: it was an oracle telling which ID numbers
have records, with no limit, no contract and no trace): the key's districts and products, a
contract in this district covering what the consent authorises, the key's rate limit; then the
document and terms; only then is the subject looked up. A person's consent is kept whether or
not the district holds records on the person, and the answer is the same (waiting for the
district's check), so lodging reveals nothing. Every lodging is in the district's audit log.
"""

from __future__ import annotations

from typing import IO

from django.utils import timezone

from billing.enums import ProductCode
from billing.models import ApiKey
from billing.services.keys import rate_limit_take
from billing.services.metering import call_authorise_any
from billing.services.purchases import subject_for_code
from core.common.actors import Actor, ActorKind
from core.common.errors import PermissionDenied
from core.common.tenancy import current_schema
from core.reports.enums import QueryProduct
from core.reports.models import Consent
from core.reports.services import ConsentTerms, consent_lodge
from tenants.models import District

# What a consent's scope lets the institution buy.
PRODUCTS_FOR_SCOPE = {
    QueryProduct.CREDIT_REPORT.value: {
        ProductCode.BASIC_REPORT.value,
        ProductCode.FULL_REPORT.value,
    },
    QueryProduct.CREDIT_SCORE.value: {ProductCode.SCORE_QUERY.value, ProductCode.BATCH_QUERY.value},
}


def consent_lodge_for_institution(
    *, key: ApiKey, district: District, subject_code: str, terms: ConsentTerms, document: IO[bytes]
) -> Consent:
    """Keep an authorisation an institution lodges for itself (the grantee is the key's
    customer). Raises PermissionDenied / RateLimited / ValidationFailed before any lookup."""
    contract = call_authorise_any(key=key, district=district, today=timezone.localdate())
    for scope in terms.products:
        wanted = PRODUCTS_FOR_SCOPE.get(scope, set())
        if not wanted & set(key.products) or not wanted & set(contract.products):
            raise PermissionDenied(
                f"该密钥或合同不包括授权范围中的“{QueryProduct(scope).label}”", code="OUT_OF_SCOPE"
            )
    rate_limit_take(key)
    terms.check()
    coded = subject_for_code(subject_code)
    actor = Actor(kind=ActorKind.USER, label=f"api:{key.prefix}", schema=current_schema())
    return consent_lodge(actor=actor, subject=coded.subject,
                         person_number=coded.number if coded.person else "", terms=terms,
                         document=document)  # fmt: skip
