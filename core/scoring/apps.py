from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "core.scoring"
    label = "scoring"
    verbose_name = "信用评分"

    def ready(self) -> None:
        from core.common.events import on_subjects_changed
        from core.scoring.services import scores_refresh_later

        # Scores follow records: whatever announces that subjects changed gets them rescored.
        on_subjects_changed(scores_refresh_later)
