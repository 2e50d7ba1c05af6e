from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core.common.placement import district_model
from core.content.richtext import render as render_body

colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "颜色应为 #RRGGBB 形式")


@district_model
class Theme(models.Model):
    """The district's look on its portal and console. One row per district schema."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    platform_name = models.CharField("平台名称", max_length=60)
    district_name = models.CharField("区县名称", max_length=60)
    region_code = models.CharField("行政区划代码", max_length=6)
    primary_colour = models.CharField("主色", max_length=7, default="#b3171d", validators=[colour])
    accent_colour = models.CharField("辅色", max_length=7, default="#d4a017", validators=[colour])
    logo = models.CharField("标志文件", max_length=300, blank=True)
    banner_text = models.CharField("横幅标语", max_length=120, blank=True)
    footer_text = models.CharField("页脚文字", max_length=300, blank=True)
    icp_number = models.CharField("ICP备案号", max_length=60, blank=True)
    contact_phone = models.CharField("联系电话", max_length=40, blank=True)
    contact_email = models.EmailField("联系邮箱", blank=True)
    contact_address = models.CharField("联系地址", max_length=200, blank=True)
    # The portal footer's 主办单位 / 承办单位; empty ones are not shown.
    host_unit = models.CharField("主办单位", max_length=100, blank=True)
    organiser_unit = models.CharField("承办单位", max_length=100, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "门户主题"
        verbose_name_plural = "门户主题"

    def __str__(self) -> str:
        return self.platform_name


class ArticleCategory(models.TextChoices):
    LAWS = "laws", "法律法规"
    POLICIES = "policies", "政策指引"
    NEWS = "news", "信用动态"


class ArticleFormat(models.TextChoices):
    MARKDOWN = "markdown", "Markdown"
    RICH_TEXT = "html", "富文本"


@district_model
class Article(models.Model):
    """A page of the portal's 法律法规, 政策指引 or 信用动态, written by district staff in Markdown or
    in the rich-text editor (HTML) and shown sanitised; visible once published, from its
    publication date."""

    category = models.CharField("栏目", max_length=10, choices=ArticleCategory.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    # How `body` is written; rich text is HTML, kept to an allow-list (core.content.richtext).
    body_format = models.CharField(
        "正文格式", max_length=10, choices=ArticleFormat.choices, default=ArticleFormat.MARKDOWN
    )
    source = models.CharField("来源或发文机关", max_length=100, blank=True)
    document_number = models.CharField("文号", max_length=60, blank=True)
    published_on = models.DateField("发布日期", null=True, blank=True)
    attachment = models.CharField("附件", max_length=300, blank=True)
    attachment_name = models.CharField("附件名称", max_length=200, blank=True)
    updated_by = models.CharField(max_length=254)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "门户文章"
        verbose_name_plural = "门户文章"
        ordering = ("-published_on", "-id")
        indexes = [models.Index(fields=["category", "published_on"], name="article_category_date")]

    def __str__(self) -> str:
        return self.title

    def body_html(self) -> SafeString:
        """The body as HTML for a page, sanitised whichever way it was written."""
        html = render_body(self.body, rich_text=self.body_format == ArticleFormat.RICH_TEXT)
        return mark_safe(html)  # noqa: S308  (sanitised by nh3)
