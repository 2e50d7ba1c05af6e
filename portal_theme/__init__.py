"""The shared web layer under the staff console (`console/`) and the portal (`portal/`): templates,
static files, template tags, per-district themes and the helpers both interfaces use."""
