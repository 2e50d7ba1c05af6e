"""District-to-district exchange (exchange/, docs/subsystems/exchange.md)."""

from django.core.exceptions import ImproperlyConfigured

from core.config.env import env_int, env_list, env_str

# Where a provider district serves its exchange schema; {domain} is its primary domain.
EXCHANGE_PROVIDER_URL = env_str("EXCHANGE_PROVIDER_URL", "https://{domain}/exchange/graphql/")
# Connect to this host:port instead of the domain's address, sending the domain as the Host header
# (an internal load balancer in front of every district; the test live server). Plain HTTP only:
# with TLS the certificate would not match.
EXCHANGE_CONNECT_ADDRESS = env_str("EXCHANGE_CONNECT_ADDRESS")
# A provider whose domain ends in .localhost (the demo's districts) is this machine: with DEBUG on,
# or this set, it is asked over plain HTTP at 127.0.0.1:EXCHANGE_LOCAL_PORT (`dev.py demo`'s port;
# exchange/transport.py). Never in production: there every provider has a real domain and TLS.
# EXCHANGE_LOCAL_DOMAINS is a setting, not an environment variable (production never sets it; tests
# override it); `dev.py demo PORT` exports EXCHANGE_LOCAL_PORT so a demo on another port exchanges.
EXCHANGE_LOCAL_DOMAINS = False
EXCHANGE_LOCAL_PORT = env_int("EXCHANGE_LOCAL_PORT", 8000)
EXCHANGE_TIMEOUT_SECONDS = env_int("EXCHANGE_TIMEOUT_SECONDS", 10)
# Lifetime of a request token; the provider refuses any token meant to live longer than 5 minutes.
EXCHANGE_TOKEN_SECONDS = env_int("EXCHANGE_TOKEN_SECONDS", 60)
if not 1 <= EXCHANGE_TOKEN_SECONDS <= 300:
    raise ImproperlyConfigured("EXCHANGE_TOKEN_SECONDS must be between 1 and 300")
# After a rotation the old public key still verifies for this long (requests in flight).
EXCHANGE_KEY_GRACE_SECONDS = env_int("EXCHANGE_KEY_GRACE_SECONDS", 600)
# Fernet keys wrapping the districts' private signing keys, newest first (older ones still decrypt,
# so the wrapping key can be changed). Empty: derived from SUBJECT_DATA_KEY (or, in DEBUG, from the
# secret key), like core/subjects/protection.py.
EXCHANGE_KEY_SECRETS = env_list("EXCHANGE_KEY_SECRETS", [])
# Refusals of requests whose token is not verified are logged (anonymously, with the address) at
# most this many times a minute per address; past that the address is answered 429, unlogged.
EXCHANGE_UNVERIFIED_PER_MINUTE = env_int("EXCHANGE_UNVERIFIED_PER_MINUTE", 10)
