"""Billing writes, one module per concern: catalogue (prices, customers, contracts, wallets,
packages), keys, metering (the metered call), ledger (corrections), notices, invoicing."""
