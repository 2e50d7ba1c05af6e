from django.db import migrations

# Shared by every append-only log table; lives in public so district schemas hold no functions.
FORBID = """
CREATE OR REPLACE FUNCTION public.audit_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only (% refused on %)', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER tenants_platformauditentry_append_only
    BEFORE UPDATE OR DELETE ON tenants_platformauditentry
    FOR EACH ROW EXECUTE FUNCTION public.audit_forbid_change();
"""

ALLOW = "DROP TRIGGER IF EXISTS tenants_platformauditentry_append_only ON tenants_platformauditentry;"


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
