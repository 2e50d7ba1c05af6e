"""The exchange schema's context: the admitted request, and what the resolver did with it (the
view logs and signs after execution)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import strawberry
from django.http import HttpRequest, HttpResponse

from exchange import errors
from exchange.errors import ExchangeRefused
from exchange.services.serving import ExchangeGrant, SharedAnswer


@dataclass
class ExchangeContext:
    request: HttpRequest
    response: HttpResponse
    grant: ExchangeGrant | None
    answer: SharedAnswer | None = None
    refusal: ExchangeRefused | None = None
    subject_code: str = ""

    def require_grant(self) -> ExchangeGrant:
        if self.grant is None:  # the view admits before executing; this is the last line
            raise ExchangeRefused("请求未通过共享访问校验", code=errors.NO_TOKEN)
        return self.grant


ExchangeInfo: TypeAlias = strawberry.Info[ExchangeContext, None]
