"""Posting the staff console's forms from a plain HTTP client (the infra tests drive real
gunicorn/nginx processes, where Django's test client cannot go)."""

from __future__ import annotations

import re
import uuid


def csrf_token(page: bytes) -> str:
    """The CSRF token of the form on a page."""
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None, page[:500]
    return found.group(1).decode()


def multipart(
    fields: dict[str, str],
    filename: str,
    content: bytes,
    *,
    field: str = "file",
    content_type: str = "text/csv",
) -> tuple[bytes, str]:
    """A multipart/form-data body with `fields` and one file field (a CSV named "file" unless
    told), and its Content-Type."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]  # fmt: skip
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"
