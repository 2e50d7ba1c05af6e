from __future__ import annotations

from enum import Enum

import strawberry

from core.content.models import Theme
from core.content.sql import DistrictProfile

__all__ = ["DistrictProfileType", "ThemeError", "ThemeErrorCode", "ThemeType"]


@strawberry.type(name="Theme", description="The district's look on its portal.")
class ThemeType:
    platform_name: str = strawberry.field(description="Platform name, e.g. 信用万州.")
    primary_colour: str = strawberry.field(description="Main colour, #RRGGBB.")
    accent_colour: str = strawberry.field(description="Accent colour, #RRGGBB.")
    banner_text: str = strawberry.field(description="Slogan under the header.")
    footer_text: str = strawberry.field(description="Footer text.")
    icp_number: str = strawberry.field(description="ICP licence number.")
    contact_phone: str = strawberry.field(description="Contact telephone.")
    contact_email: str = strawberry.field(description="Contact e-mail.")
    contact_address: str = strawberry.field(description="Contact address.")

    @classmethod
    def from_source(cls, source: Theme | DistrictProfile) -> ThemeType:
        return cls(
            platform_name=source.platform_name,
            primary_colour=source.primary_colour,
            accent_colour=source.accent_colour,
            banner_text=source.banner_text,
            footer_text=source.footer_text,
            icp_number=source.icp_number,
            contact_phone=source.contact_phone,
            contact_email=source.contact_email,
            contact_address=source.contact_address,
        )


@strawberry.type(name="DistrictProfile", description="This district's public profile.")
class DistrictProfileType:
    slug: str = strawberry.field(description="The district's identifier.")
    name: str = strawberry.field(description="District name, e.g. 万州区.")
    region_code: str = strawberry.field(description="GB/T 2260 administrative division code.")
    status: str = strawberry.field(description="Lifecycle status.")
    theme: ThemeType = strawberry.field(description="Portal theme.")
    catalogue_item_count: int = strawberry.field(description="Active catalogue items.")

    @classmethod
    def from_profile(cls, profile: DistrictProfile) -> DistrictProfileType:
        return cls(
            slug=profile.slug,
            name=profile.name,
            region_code=profile.region_code,
            status=profile.status,
            theme=ThemeType.from_source(profile),
            catalogue_item_count=profile.catalogue_item_count,
        )


@strawberry.enum(description="Why themeUpdate failed.")
class ThemeErrorCode(Enum):
    INVALID = "INVALID"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"


@strawberry.type(description="A problem with a theme change.")
class ThemeError:
    code: ThemeErrorCode = strawberry.field(description="Machine-readable error code.")
    message: str = strawberry.field(description="What is wrong, in Chinese.")
    field: str | None = strawberry.field(description="The input field at fault, if any.")
