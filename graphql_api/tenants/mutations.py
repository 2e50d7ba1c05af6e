from __future__ import annotations

from collections.abc import Callable

import strawberry

from core.common.errors import ApplicationError
from graphql_api.context import Info
from graphql_api.tenants.inputs import DistrictLifecycleInput, DistrictOnboardInput
from graphql_api.tenants.types import DistrictError, DistrictErrorCode, DistrictType
from provisioning.services.lifecycle import (
    district_archive,
    district_deletion_cancel,
    district_purge,
    district_request_deletion,
    district_resume,
    district_suspend,
)
from provisioning.services.onboarding import OnboardingRequest, district_onboard
from tenants.links import district_url, first_login_path
from tenants.models import District
from tenants.selectors import district_get, district_overview_list

__all__ = ["TenantsMutation"]


def _error(exc: ApplicationError) -> DistrictError:
    code = (
        DistrictErrorCode[exc.code]
        if exc.code in DistrictErrorCode.__members__
        else DistrictErrorCode.INVALID
    )
    return DistrictError(code=code, message=exc.message, field=exc.field)


def _view(slug: str) -> DistrictType:
    return DistrictType.from_overview(next(o for o in district_overview_list() if o.slug == slug))


@strawberry.type(description="Result of districtOnboard.")
class DistrictOnboardPayload:
    district: DistrictType | None = strawberry.field(description="The district, when it exists.")
    created: bool = strawberry.field(
        description="False when a retry found the district already made."
    )
    login_url: str | None = strawberry.field(
        description="One-time login link for the first admin; shown once, store it nowhere."
    )
    errors: list[DistrictError] = strawberry.field(description="Empty on success.")


@strawberry.type(description="Result of a district lifecycle mutation.")
class DistrictLifecyclePayload:
    district: DistrictType | None = strawberry.field(description="The district after the step.")
    errors: list[DistrictError] = strawberry.field(description="Empty on success.")


def _lifecycle(
    info: Info, data: DistrictLifecycleInput, step: Callable[[District], District]
) -> DistrictLifecyclePayload:
    info.context.require_operator()
    try:
        district = step(district_get(slug=data.slug))
    except ApplicationError as exc:
        return DistrictLifecyclePayload(district=None, errors=[_error(exc)])
    return DistrictLifecyclePayload(district=_view(district.schema_name), errors=[])


@strawberry.type
class TenantsMutation:
    @strawberry.mutation(description="Create a ready district from the template in under a second.")
    def district_onboard(self, info: Info, data: DistrictOnboardInput) -> DistrictOnboardPayload:
        info.context.require_operator()
        request = OnboardingRequest(
            slug=data.slug,
            name=data.name,
            platform_name=data.platform_name,
            region_code=data.region_code,
            domain=data.domain,
            admin_email=data.admin_email,
            admin_name=data.admin_name,
        )
        try:
            result = district_onboard(request=request, actor=info.context.actor())
        except ApplicationError as exc:
            return DistrictOnboardPayload(
                district=None, created=False, login_url=None, errors=[_error(exc)]
            )
        return DistrictOnboardPayload(
            district=_view(result.district.schema_name),
            created=result.created,
            login_url=first_login_url(info, result.domain, result.login_token),
            errors=[],
        )

    @strawberry.mutation(description="Suspend: maintenance page, APIs refuse, data kept.")
    def district_suspend(
        self, info: Info, data: DistrictLifecycleInput
    ) -> DistrictLifecyclePayload:
        actor = info.context.actor()
        return _lifecycle(
            info, data, lambda d: district_suspend(district=d, actor=actor, reason=data.reason)
        )

    @strawberry.mutation(description="Back to active from suspended or archived.")
    def district_resume(self, info: Info, data: DistrictLifecycleInput) -> DistrictLifecyclePayload:
        actor = info.context.actor()
        return _lifecycle(
            info, data, lambda d: district_resume(district=d, actor=actor, reason=data.reason)
        )

    @strawberry.mutation(description="Archive: read-only from now on.")
    def district_archive(
        self, info: Info, data: DistrictLifecycleInput
    ) -> DistrictLifecyclePayload:
        actor = info.context.actor()
        return _lifecycle(
            info, data, lambda d: district_archive(district=d, actor=actor, reason=data.reason)
        )

    @strawberry.mutation(
        description="Request deletion: offline now, purged after the grace period."
    )
    def district_deletion_request(
        self, info: Info, data: DistrictLifecycleInput
    ) -> DistrictLifecyclePayload:
        actor = info.context.actor()
        return _lifecycle(
            info,
            data,
            lambda d: district_request_deletion(
                district=d, actor=actor, reason=data.reason, grace_days=data.grace_days
            ),
        )

    @strawberry.mutation(description="Cancel a pending deletion.")
    def district_restore(
        self, info: Info, data: DistrictLifecycleInput
    ) -> DistrictLifecyclePayload:
        actor = info.context.actor()
        return _lifecycle(
            info,
            data,
            lambda d: district_deletion_cancel(district=d, actor=actor, reason=data.reason),
        )

    @strawberry.mutation(description="Purge a district whose grace period has passed.")
    def district_purge(self, info: Info, data: DistrictLifecycleInput) -> DistrictLifecyclePayload:
        actor = info.context.actor()
        return _lifecycle(info, data, lambda d: district_purge(district=d, actor=actor))


def first_login_url(info: Info, domain: str, token: str | None) -> str | None:
    if token is None:
        return None
    request = info.context.request
    return district_url(
        domain=domain,
        path=first_login_path(token),
        scheme="https" if request.is_secure() else "http",
        port=request.get_port(),
    )
