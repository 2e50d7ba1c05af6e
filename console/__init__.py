"""The district staff console (管理后台): one module of views per domain, as graphql_api/<domain>/.
Views parse input, ask the permission policy (`access.staff_permitted`, `core.accounts.policy.can`),
call a service or selector and render a template from portal_theme/templates/portal_theme/console/.
The public portal is `portal/`; what both use (templates, search tokens, form helpers) is
`portal_theme/`."""
