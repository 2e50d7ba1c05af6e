"""Creating, changing and retiring districts: onboarding by schema cloning (the template and the
spare pool), the lifecycle (suspend, archive, delete, purge), backups and restores, domains and
upstream endpoints, the operator console's district pages and the operator's commands. Above
every domain app (onboarding sets up a district's catalogue, theme and first admin); the
district registry itself (District, Domain, the platform audit log) is `tenants`."""
