"""django-tenants wiring: which apps live in public, which in every district schema.

Rule (docs/adr/0002-public-vs-district-placement.md): what the district edits lives in its schema;
what the operator keeps about a district lives in public. Accounts, sessions and auth live in both,
so a login is only ever valid in the schema it was made in (docs/adr/0001-where-user-identity-lives.md).
"""

# Apps whose tables exist in both the public schema and every district schema.
BOTH_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "core.accounts",
]

SHARED_APPS = [
    "django_tenants",
    "tenants",
    *BOTH_APPS,
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "core.common",
    "core.publicity",
    "core.retention",
    "billing",
    "provisioning",
    "exchange",
    "graphql_api",
]

TENANT_APPS = [
    *BOTH_APPS,
    "core.audit",
    "core.catalog",
    "core.subjects",
    "core.records",
    "core.collection",
    "core.scoring",
    "core.stats",
    "core.remedies",
    "core.reports",
    "core.discipline",
    "core.upstream",
    "exchange.district",
    "core.content",
    "portal_theme",
]

# Apps installed for their code only (signals, backends, middleware): in neither list, so their
# models get no table in any schema. django-axes keeps its login counters in the cache, per schema
# (docs/adr/0014-login-limits-in-the-cache-per-schema.md); its database tables would be unused.
CODE_ONLY_APPS = ["axes"]

INSTALLED_APPS = (
    list(SHARED_APPS)
    + [app for app in TENANT_APPS if app not in SHARED_APPS]
    + [app for app in CODE_ONLY_APPS if app not in SHARED_APPS and app not in TENANT_APPS]
)

TENANT_MODEL = "tenants.District"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "core.config.urls_public"
ROOT_URLCONF = "core.config.urls_tenant"

# New districts are cloned from this pre-migrated schema (STACK.md: it must be a tenant row itself,
# so that migrate_schemas keeps it current). The onboarding service clones it directly.
TENANT_BASE_SCHEMA = "district_template"
# migrate_schemas skips purged districts (their rows stay, their schemas are gone): provisioning/migration.py
GET_EXECUTOR_FUNCTION = "provisioning.migration.executor_for"
TENANT_CREATION_FAKES_MIGRATIONS = True
# `SET search_path` once per change of district on a connection, not before every query
# (core/common/dbbackend/base.py keeps it across requests that name the same district).
TENANT_LIMIT_SET_CALLS = True
