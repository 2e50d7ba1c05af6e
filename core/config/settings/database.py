"""Database: DATABASE_URL when set, otherwise the project's own embedded PostgreSQL."""

from pathlib import Path
from typing import Any

import dj_database_url

from core.config.env import env_int, env_str

BASE_DIR = Path(__file__).resolve().parents[3]
DATA_DIR = Path(env_str("CREDIT_DATA_DIR", str(BASE_DIR / ".data")))

DATABASE_URL = env_str("DATABASE_URL")
EMBEDDED_DATABASE = not DATABASE_URL

if DATABASE_URL:
    _db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=60))
else:
    from core.config.embedded_pg import ensure_embedded_server

    _name = env_str("CREDIT_EMBEDDED_DB_NAME", "credit")
    _server = ensure_embedded_server(DATA_DIR / "pg", _name)
    _db = {
        "NAME": _name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": _server.socket_dir,
        "PORT": str(_server.port),
        "CONN_MAX_AGE": 60,
    }

# django-tenants' backend, two round trips fewer a request (ADR 0021).
_db["ENGINE"] = "core.common.dbbackend"
_db["CONN_HEALTH_CHECKS"] = True
_db.setdefault("OPTIONS", {})
_db["OPTIONS"].setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
_db["TEST"] = {"NAME": env_str("CREDIT_TEST_DB_NAME", "test_credit")}

DATABASES = {"default": _db}
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
