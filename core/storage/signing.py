"""Short-lived signed links for files kept on the local disk (S3 uses presigned URLs instead)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "core.storage.file-link"


@dataclass(frozen=True)
class FileLink:
    schema: str
    name: str


def signed_path(*, schema: str, name: str) -> str:
    token = signing.dumps({"s": schema, "n": name}, salt=SALT, compress=True)
    return reverse("storage-file", kwargs={"token": token})


def read_signed_token(token: str) -> FileLink | None:
    """The file a token names, or None when it is forged or older than SIGNED_URL_MAX_AGE."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.SIGNED_URL_MAX_AGE)
    except signing.BadSignature:
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("s"), str)
        or not isinstance(data.get("n"), str)
    ):
        return None
    return FileLink(schema=data["s"], name=data["n"])
