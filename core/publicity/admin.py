from django.contrib import admin

from core.publicity.models import PublicityRegime, PublicityRule


class PublicityRuleInline(admin.TabularInline[PublicityRule, PublicityRegime]):
    model = PublicityRule
    extra = 0


@admin.register(PublicityRegime)
class PublicityRegimeAdmin(admin.ModelAdmin[PublicityRegime]):
    list_display = ("code", "name", "effective_from")
    inlines = (PublicityRuleInline,)
