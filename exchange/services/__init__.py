"""Writes of the exchange: agreements, keys, logs, serving (provider) and fetching (consumer)."""
