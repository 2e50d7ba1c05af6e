"""Writes for the portal theme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.common.actors import Actor
from core.common.errors import NotFound, PermissionDenied, ValidationFailed
from core.common.versioning import data_changed
from core.content.models import Article, ArticleCategory, ArticleFormat, Theme
from core.content.permissions import ARTICLE_EDIT, THEME_EDIT
from core.content.richtext import clean as clean_rich_text
from core.content.richtext import has_text
from core.storage.api import store_attachment

EDITABLE_FIELDS = (
    "platform_name",
    "primary_colour",
    "accent_colour",
    "banner_text",
    "footer_text",
    "icp_number",
    "contact_phone",
    "contact_email",
    "contact_address",
    "host_unit",
    "organiser_unit",
)


@dataclass(frozen=True)
class ThemeChanges:
    platform_name: str | None = None
    primary_colour: str | None = None
    accent_colour: str | None = None
    banner_text: str | None = None
    footer_text: str | None = None
    icp_number: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    contact_address: str | None = None
    host_unit: str | None = None
    organiser_unit: str | None = None


def _theme_editor_check(actor: User | Actor) -> None:
    """District admins (THEME_EDIT), or the operator: an `Actor` of the public schema, which only
    provisioning/services/theme.py passes (it writes the platform audit log)."""
    if isinstance(actor, Actor):
        if actor.schema != "public":
            raise PermissionDenied(THEME_EDIT.message, code="FORBIDDEN")
        return
    require(actor, THEME_EDIT)


@transaction.atomic
def theme_update(*, actor: User | Actor, changes: ThemeChanges) -> Theme:
    """Change the district's theme (its admins, or the operator). Every field is validated before
    saving."""
    _theme_editor_check(actor)
    theme = Theme.objects.select_for_update().first()
    if theme is None:
        raise NotFound("本平台尚无主题设置", code="NOT_FOUND")
    changed = []
    for name in EDITABLE_FIELDS:
        value = getattr(changes, name)
        if value is not None:
            setattr(theme, name, value.strip())
            changed.append(name)
    if not changed:
        return theme
    try:
        theme.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = getattr(Theme._meta.get_field(field), "verbose_name", field)
        raise ValidationFailed(f"{label}：{'；'.join(messages)}", field=field) from exc
    theme.updated_at = timezone.now()
    theme.save(update_fields=[*changed, "updated_at"])
    data_changed()
    return theme


LOGO_TYPES = (".png", ".jpg")


@transaction.atomic
def theme_set_logo(*, actor: User | Actor, logo: IO[bytes]) -> Theme:
    """The district's logo or emblem for the portal header (PNG or JPG, 5 MB at most); its admins
    or the operator, as `theme_update`."""
    _theme_editor_check(actor)
    theme = Theme.objects.select_for_update().first()
    if theme is None:
        raise NotFound("本平台尚无主题设置", code="NOT_FOUND")
    stored = store_attachment(logo, folder="theme", field="logo")
    if not stored.endswith(LOGO_TYPES):
        default_storage.delete(stored)
        raise ValidationFailed("标志应为PNG或JPG图片", field="logo")
    theme.logo, theme.updated_at = stored, timezone.now()
    theme.save(update_fields=["logo", "updated_at"])
    data_changed()
    return theme


@dataclass(frozen=True)
class ArticleDraft:
    category: str
    title: str
    body: str
    source: str = ""
    published_on: date | None = None  # None: not published
    document_number: str = ""
    body_format: str = ArticleFormat.MARKDOWN  # rich text: HTML, sanitised before it is stored


@transaction.atomic
def article_save(
    *,
    actor: User,
    draft: ArticleDraft,
    article: Article | None = None,
    attachment: IO[bytes] | None = None,
    attachment_name: str = "",
) -> Article:
    """Create or change an article (district admins and reviewers)."""
    require(actor, ARTICLE_EDIT)
    if draft.category not in ArticleCategory.values:
        raise ValidationFailed("请选择栏目", field="category")
    if draft.body_format not in ArticleFormat.values:
        raise ValidationFailed("请选择正文格式", field="body_format")
    rich_text = draft.body_format == ArticleFormat.RICH_TEXT
    title = draft.title.strip()
    body = clean_rich_text(draft.body) if rich_text else draft.body.strip()
    if not 2 <= len(title) <= 200:
        raise ValidationFailed("标题应为2–200字", field="title")
    if not body or (rich_text and not has_text(body)):
        raise ValidationFailed("请填写正文", field="body")
    article = article or Article(updated_by=actor.email)
    article.category, article.title, article.body = draft.category, title, body
    article.body_format = draft.body_format
    article.source, article.published_on = draft.source.strip()[:100], draft.published_on
    article.document_number = draft.document_number.strip()[:60]
    if attachment is not None:
        article.attachment = store_attachment(attachment, folder="articles")
        article.attachment_name = attachment_name[:200]
    article.updated_by, article.updated_at = actor.email, timezone.now()
    article.save()
    data_changed()
    return article


@transaction.atomic
def article_delete(*, actor: User, article: Article) -> None:
    """Remove an article from the portal and the console for good (its attachment file stays in
    storage, as a replaced attachment's does)."""
    require(actor, ARTICLE_EDIT)
    article.delete()
    data_changed()
