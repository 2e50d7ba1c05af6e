from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION audit_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only (% refused on %)', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER audit_platformauditentry_append_only
    BEFORE UPDATE OR DELETE ON audit_platformauditentry
    FOR EACH ROW EXECUTE FUNCTION audit_forbid_change();
"""

ALLOW = """
DROP TRIGGER IF EXISTS audit_platformauditentry_append_only ON audit_platformauditentry;
DROP FUNCTION IF EXISTS audit_forbid_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
