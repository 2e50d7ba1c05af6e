from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    name = "core.subjects"
    label = "subjects"
    verbose_name = "信用主体"
