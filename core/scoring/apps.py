from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "core.scoring"
    label = "scoring"
    verbose_name = "信用评分"
