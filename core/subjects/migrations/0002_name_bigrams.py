from django.db import migrations

# Character bigrams of a name as a tsvector (STACK.md: works on any server and locale, no
# extension needed): "重庆市万州区建设公司" → '重庆' '庆市' '市万' … ; GIN-indexed for search.
# One statement each: Citus sends a function's definition to every node as written, and a node
# refuses several statements in one.
FORWARD = [
    r"""
CREATE OR REPLACE FUNCTION public.credit_bigrams(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(substr(s.t, i, 2), ' '), '')
    FROM (SELECT lower(regexp_replace(coalesce(value, ''),
                 '[[:space:][:punct:]（）〔〕【】《》、，。；：“”‘’·]', '', 'g')) AS t) s,
         generate_series(1, greatest(length(s.t) - 1, 1)) AS i
$$;
""",
    """ALTER TABLE subjects_subject ADD COLUMN name_bigrams tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, public.credit_bigrams(name))) STORED;""",
    "CREATE INDEX subject_name_bigrams ON subjects_subject USING gin (name_bigrams);",
]
BACKWARD = [
    "DROP INDEX IF EXISTS subject_name_bigrams;",
    "ALTER TABLE subjects_subject DROP COLUMN IF EXISTS name_bigrams;",
]


class Migration(migrations.Migration):
    dependencies = [("subjects", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
