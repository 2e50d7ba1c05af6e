"""Billing (public schema): products and prices per district, customers (institutions) with
contracts and API keys, the metered call, the append-only usage ledger with its daily rollups,
wallets and prepaid packages, threshold notices, period close, invoices and credit notes."""
