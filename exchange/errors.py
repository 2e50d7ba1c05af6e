"""Why an exchange is refused: a stable code and a Chinese message (deny by default).

Every refusal is logged on the side that refuses; the provider's refusals travel to the consumer in
a signed answer, so the consumer's log keeps the provider's own words."""

from __future__ import annotations

from core.common.errors import ApplicationError

# Token and transport problems: the provider cannot tell who asks (HTTP 401).
NO_TOKEN = "NO_TOKEN"
MALFORMED_TOKEN = "MALFORMED_TOKEN"
UNKNOWN_KEY = "UNKNOWN_KEY"
BAD_SIGNATURE = "BAD_SIGNATURE"
TOKEN_EXPIRED = "TOKEN_EXPIRED"
TOKEN_TOO_LONG = "TOKEN_TOO_LONG"
WRONG_AUDIENCE = "WRONG_AUDIENCE"
BODY_MISMATCH = "BODY_MISMATCH"
REPLAYED = "REPLAYED"
# Agreement problems: the provider knows who asks and says no (HTTP 403).
UNKNOWN_AGREEMENT = "UNKNOWN_AGREEMENT"
AGREEMENT_NOT_ACTIVE = "AGREEMENT_NOT_ACTIVE"
AGREEMENT_REVOKED = "AGREEMENT_REVOKED"
AGREEMENT_EXPIRED = "AGREEMENT_EXPIRED"
WRONG_PURPOSE = "WRONG_PURPOSE"
OUT_OF_SCOPE_ITEM = "OUT_OF_SCOPE_ITEM"
OUT_OF_SCOPE_FIELD = "OUT_OF_SCOPE_FIELD"
INVALID_CODE = "INVALID_CODE"
BAD_REQUEST = "BAD_REQUEST"
# Consumer-side problems with the answer.
PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
RESPONSE_SIGNATURE_INVALID = "RESPONSE_SIGNATURE_INVALID"

UNAUTHENTICATED_CODES = frozenset(
    {NO_TOKEN, MALFORMED_TOKEN, UNKNOWN_KEY, BAD_SIGNATURE, TOKEN_EXPIRED, TOKEN_TOO_LONG,
     WRONG_AUDIENCE, BODY_MISMATCH, REPLAYED}
)  # fmt: skip


class ExchangeRefused(ApplicationError):
    """A request the exchange will not serve, with the reason."""

    code = "EXCHANGE_REFUSED"

    @property
    def http_status(self) -> int:
        return 401 if self.code in UNAUTHENTICATED_CODES else 403


class ExchangeUnavailable(ApplicationError):
    """The provider could not be asked, or its answer cannot be trusted."""

    code = PROVIDER_UNAVAILABLE
