"""The operator console for billing (Django admin on the operator's domain), one module a group of
models: products and prices (`catalogue`), customers and their institution logins (`customers`),
contracts with top-ups, packages and status (`contracts`), API keys (`keys`), the usage ledger with
its corrections, the 用量总览 page that closes a period and monitoring subscriptions (`ledger`),
top-ups, invoices and credit notes (`money`), and institutions' webhook endpoints with their
deliveries (`webhooks`, read-only). What they share is in `base`.

Every write goes through billing/services, through `core.common.forms.form_submit`: a refusal
(ApplicationError) is shown on the form. Importing the modules registers their admins; Django
autodiscovers this package."""

from billing.admin import catalogue, contracts, customers, keys, ledger, money, webhooks

__all__ = ["catalogue", "contracts", "customers", "keys", "ledger", "money", "webhooks"]
