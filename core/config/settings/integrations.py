"""Integrations switched by environment: cache, Celery broker, object storage, e-mail.

Each one is off (embedded default) unless its variable is set, and fails loudly when it is switched
on with incomplete configuration.
"""

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from core.config.env import env_bool, env_int, env_str
from core.config.settings.database import DATA_DIR

# --- Cache: Redis when REDIS_URL is set, process memory otherwise. Keys carry the schema name.
REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "core.common.rediscache.PooledRedisCache"
        if REDIS_URL
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": REDIS_URL,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

# --- Celery: a broker when CELERY_BROKER_URL is set, tasks in-process otherwise.
CELERY_TASK_ALWAYS_EAGER = not env_str("CELERY_BROKER_URL")
# In-process mode never talks to a broker; a memory URL keeps kombu from warning about one.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# With Redis, a task taken by a worker that then dies (killed, machine lost) goes back to the queue
# this many seconds after it was taken. It must exceed the longest task, or a task still running
# is handed to a second worker (an ingest of 200 MB takes about two minutes; docs/benchmarks.md).
_visibility_timeout = env_int("CELERY_BROKER_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility_timeout,
    # Look for such tasks every 10 s at most (kombu's default is every 100 s).
    "unacked_restore_interval": max(1, min(10, _visibility_timeout // 10)),
    "unacked_restore_throttle": 1,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TENANT_CACHE_SECONDS = 30
CELERY_TIMEZONE = "Asia/Shanghai"
# Workers log through settings.LOGGING (JSON lines with the task id and district), not Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Object storage: S3-compatible when S3_BUCKET is set, local files under .data/media otherwise.
S3_BUCKET = env_str("S3_BUCKET")
S3_ENDPOINT_URL = env_str("S3_ENDPOINT_URL")
S3_ACCESS_KEY_ID = env_str("S3_ACCESS_KEY_ID")
S3_SECRET_ACCESS_KEY = env_str("S3_SECRET_ACCESS_KEY")
S3_REGION = env_str("S3_REGION", "us-east-1")
if S3_BUCKET and not (S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY):
    raise ImproperlyConfigured(
        "S3_BUCKET is set: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required"
    )

MEDIA_ROOT = str(DATA_DIR / "media")
MEDIA_URL = "/media/"
SIGNED_URL_MAX_AGE = env_int("SIGNED_URL_MAX_AGE", 300)
STORAGES = {
    "default": {
        "BACKEND": "core.storage.backends.TenantS3Storage"
        if S3_BUCKET
        else "core.storage.backends.TenantFileSystemStorage"
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- E-mail: SMTP when EMAIL_HOST is set, otherwise messages are written under .data/mail.
EMAIL_HOST = env_str("EMAIL_HOST")
# --- Billing: days after a month ends before it is invoiced (late corrections still land in it).
BILLING_GRACE_DAYS = env_int("BILLING_GRACE_DAYS", 3)
BILLING_WEBHOOK_TIMEOUT = env_int("BILLING_WEBHOOK_TIMEOUT", 5)
# PEM file of extra certificate authorities for institutions' webhook receivers; empty (always in
# production): the system's trust store. The tests set it to their local CA.
BILLING_WEBHOOK_CA_FILE = ""
OPERATOR_NAME = env_str("OPERATOR_NAME", "公共信用信息平台运营方")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_FILE_PATH = str(DATA_DIR / "mail")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@credit-platform.local")

CELERY_BEAT_SCHEDULE = {
    "close-billing-periods": {
        "task": "billing.periods_close_due_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # After midnight on the 1st the month's monitoring is charged; daily so a missed run catches up.
    "renew-monitoring": {
        "task": "billing.monitoring_renew_task",
        "schedule": crontab(hour=0, minute=30),
    },
    "retry-threshold-notices": {
        "task": "billing.notices_retry_task",
        "schedule": 600,
    },
    # Monitoring events to institutions' webhooks: new events fanned out, due retries sent.
    "webhooks-fan-out": {
        "task": "billing.webhooks_fan_out_task",
        "schedule": 60,
    },
    "webhooks-retry": {
        "task": "billing.webhooks_retry_task",
        "schedule": 60,
    },
    "webhooks-daily-digest": {
        "task": "billing.webhook_digests_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # Bulk jobs whose worker died or whose queueing was lost: queued again (billing/services/
    # bulk_jobs.py, STALLED_AFTER).
    "resume-bulk-jobs": {
        "task": "billing.bulk_jobs_resume_task",
        "schedule": 600,
    },
    "purge-due-districts": {
        "task": "tenants.district_purge_due_task",
        "schedule": 24 * 3600,
    },
    "expire-records": {
        "task": "records.records_expire_due_everywhere_task",
        "schedule": crontab(hour=0, minute=10),
    },
    # Negative information about people kept past its retention (征信业管理条例 Art. 16) is
    # deleted early in the day after its last day (docs/subsystems/retention.md).
    "delete-past-retention": {
        "task": "retention.records_retention_delete_everywhere_task",
        "schedule": crontab(hour=0, minute=20),
    },
    # After expiry (so expired records have stopped counting) and before the working day.
    "rescore-subjects": {
        "task": "scoring.scores_refresh_everywhere_task",
        "schedule": crontab(hour=1, minute=0),
    },
    # Batches for 信用重庆/信用中国 whose next attempt is due (exponential backoff per batch).
    "send-upstream-batches": {
        "task": "upstream.outbox_batches_send_due_everywhere_task",
        "schedule": 60,
    },
    # Uploads whose ingest task was lost (broker down at upload time, or forgotten by a broker that
    # restarted); workers also run this each time they connect to the broker.
    "requeue-stranded-uploads": {
        "task": "collection.batches_requeue_everywhere_task",
        "schedule": 300,
    },
    # 联合奖惩: each department's staff hear of check feedback due within a working day or overdue,
    # before the working day starts.
    "remind-check-feedback": {
        "task": "discipline.feedback_reminders_everywhere_task",
        "schedule": crontab(hour=8, minute=0),
    },
    "refill-spare-schemas": {
        "task": "tenants.spare_pool_fill_task",
        "schedule": 3600,
    },
}
