"""Serves local files behind signed links, only inside the schema that signed them."""

from __future__ import annotations

import mimetypes

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest

from core.common.tenancy import current_schema
from core.storage.signing import read_signed_token


def signed_file(request: HttpRequest, token: str) -> FileResponse:
    link = read_signed_token(token)
    if link is None or link.schema != current_schema() or not default_storage.exists(link.name):
        raise Http404("文件链接无效或已过期")
    content_type = mimetypes.guess_type(link.name)[0] or "application/octet-stream"
    response = FileResponse(default_storage.open(link.name, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response
