"""Billing (public schema): products, prices, customers and credentials, the usage ledger, quotas
and wallets, invoices. Built by the metered-queries issue; nothing is installed from here yet."""
