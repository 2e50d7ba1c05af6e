"""The public portal and the staff console: views, templates, static files and per-district themes."""
