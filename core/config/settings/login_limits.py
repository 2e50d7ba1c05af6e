"""Limits on password attempts at the three login pages (/console/login/, /admin/login/,
/institution/login/): django-axes' backend, signals and middleware, with our own cache handler
(core/accounts/lockout.py) that keeps each schema's counters apart (ADR 0014)."""

# Failures in a row that lock an account (an e-mail within one schema) and an address (within one
# schema; higher, since an office's staff may share one address behind NAT). Fixed here rather
# than read from the environment: a deployment has no reason to loosen them.
LOGIN_ACCOUNT_FAILURES = 5
LOGIN_ADDRESS_FAILURES = 20
# A counter forgets its failures this long after the last one.
LOGIN_FAILURE_WINDOW_MINUTES = 15
# The first lock lasts this long; each further lock of the same account or address within a day
# lasts twice the one before, up to the maximum.
LOGIN_LOCK_MINUTES = 15
LOGIN_LOCK_MAX_MINUTES = 240

# The lockout check runs first; ModelBackend then checks the password. A session names the backend
# that signed it in, so ModelBackend stays (sessions from before keep working).
AUTHENTICATION_BACKENDS = [
    "core.accounts.lockout.LoginLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AXES_ENABLED = True
AXES_HANDLER = "core.accounts.lockout.LoginLimitHandler"
# The login forms post the e-mail as `username`; the callable lower-cases it, so that
# "Admin@…" and "admin@…" share one counter.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "core.accounts.lockout.login_username"
# The visitor's address as every other limit reads it (TRUSTED_PROXIES, core/common/throttle.py),
# never X-Forwarded-For as sent.
AXES_CLIENT_IP_CALLABLE = "core.common.throttle.client_address"
# Informational for axes (its startup log and its check that addresses are limited); the handler
# applies LOGIN_ACCOUNT_FAILURES and LOGIN_ADDRESS_FAILURES itself.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = LOGIN_ACCOUNT_FAILURES
# Attempts during a lock neither count nor extend it: the lock ends when the page said it would.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A refused login is the login page itself with the reason in Chinese (status 429), never axes'
# English page.
AXES_LOCKOUT_CALLABLE = "core.accounts.lockout.lockout_response"
AXES_COOLOFF_MESSAGE = "登录失败次数过多，请稍后再试。"
AXES_PERMALOCK_MESSAGE = AXES_COOLOFF_MESSAGE
# axes' own tables are not used (nor created: axes is a code-only app, core/config/settings/
# tenants.py), so neither are its admin pages; the handler logs what it does.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
