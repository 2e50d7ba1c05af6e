"""Reading query-string values safely: no NUL characters (PostgreSQL refuses them in text), bounded
length and bounded numbers, so a hand-made URL gets an ordinary page, never a server error."""

from __future__ import annotations

from django.http import HttpRequest


def text_param(request: HttpRequest, name: str, *, max_length: int = 60) -> str:
    return request.GET.get(name, "").replace("\x00", "").strip()[:max_length]


def posted_text(request: HttpRequest, name: str, *, max_length: int = 60) -> str:
    """`text_param` for a POSTed form field."""
    return request.POST.get(name, "").replace("\x00", "").strip()[:max_length]


def int_param(request: HttpRequest, name: str, *, low: int, high: int) -> int | None:
    """The integer given, when within [low, high]; None otherwise."""
    try:
        value = int(request.GET.get(name, ""))
    except ValueError:
        return None
    return value if low <= value <= high else None
