#!/bin/sh
# Bring the database up to this image's code, before the new web and worker processes start
# (the compose `migrate` service and the Kubernetes job infra/k8s/jobs/migrate.yaml run it):
# the public schema and every district (migrate_schemas, two processes: STACK.md), the operator's
# domains (OPERATOR_DOMAINS), then the district template and the spare schemas cloned from it.
# Each step is idempotent: running it again changes nothing.
set -eu
python manage.py migrate_schemas --executor=multiprocessing
python manage.py district operator
python manage.py district template
