from __future__ import annotations

from dataclasses import fields

import strawberry

from core.common.errors import ApplicationError
from core.content.services import ThemeChanges, theme_update
from graphql_api.context import Info
from graphql_api.portal.types import ThemeError, ThemeErrorCode, ThemeType

__all__ = ["PortalMutation"]


@strawberry.input(description="Theme fields to change; omitted fields stay as they are.")
class ThemeUpdateInput:
    platform_name: str | None = strawberry.field(default=None, description="Platform name.")
    primary_colour: str | None = strawberry.field(default=None, description="Main colour, #RRGGBB.")
    accent_colour: str | None = strawberry.field(
        default=None, description="Accent colour, #RRGGBB."
    )
    banner_text: str | None = strawberry.field(default=None, description="Slogan.")
    footer_text: str | None = strawberry.field(default=None, description="Footer text.")
    icp_number: str | None = strawberry.field(default=None, description="ICP licence number.")
    contact_phone: str | None = strawberry.field(default=None, description="Contact telephone.")
    contact_email: str | None = strawberry.field(default=None, description="Contact e-mail.")
    contact_address: str | None = strawberry.field(default=None, description="Contact address.")


@strawberry.type(description="Result of themeUpdate.")
class ThemeUpdatePayload:
    theme: ThemeType | None = strawberry.field(description="The theme after the change.")
    errors: list[ThemeError] = strawberry.field(description="Empty on success.")


@strawberry.type
class PortalMutation:
    @strawberry.mutation(description="Change the portal theme (district admins only).")
    def theme_update(self, info: Info, data: ThemeUpdateInput) -> ThemeUpdatePayload:
        user = info.context.require_user()
        # Fields the API does not offer (the footer's 主办/承办单位: console only) stay as they are.
        changes = ThemeChanges(
            **{f.name: getattr(data, f.name, None) for f in fields(ThemeChanges)}
        )
        try:
            theme = theme_update(actor=user, changes=changes)
        except ApplicationError as exc:
            code = (
                ThemeErrorCode[exc.code]
                if exc.code in ThemeErrorCode.__members__
                else ThemeErrorCode.INVALID
            )
            return ThemeUpdatePayload(
                theme=None, errors=[ThemeError(code=code, message=exc.message, field=exc.field)]
            )
        return ThemeUpdatePayload(theme=ThemeType.from_source(theme), errors=[])
