"""Absolute links into a district's domain (for links printed by commands or returned by the API)."""

from __future__ import annotations


def district_url(
    *, domain: str, path: str, scheme: str = "http", port: int | str | None = None
) -> str:
    suffix = "" if port in (None, "", 80, 443, "80", "443") else f":{port}"
    return f"{scheme}://{domain}{suffix}{path}"


def first_login_path(token: str) -> str:
    return f"/console/first-login/{token}/"
