#!/usr/bin/env bash
# Build Citus 13.2.2 (AGPL-3.0, ADR 0022) from the source beside this script and install it into the
# machine's PostgreSQL 15, for the test suite's cluster mode (tests/support/citus.py). Production
# uses the Citus packages or the citusdata/citus image instead (docs/scaling.md).
# Needs root (apt-get for the build dependencies); about 2-4 minutes on 2 cores. A no-op when
# citus.so is installed already.
# Usage: vendor/citus/build.sh [PG_CONFIG]   (default: /usr/lib/postgresql/15/bin/pg_config)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pg_config=${1:-/usr/lib/postgresql/15/bin/pg_config}
if [ ! -x "$pg_config" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-server-dev-15 >/dev/null
fi
libdir=$("$pg_config" --pkglibdir)
if [ -f "$libdir/citus.so" ]; then echo "Citus 已安装于 $libdir"; exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq build-essential postgresql-server-dev-15 liblz4-dev libzstd-dev libkrb5-dev \
  libssl-dev libselinux1-dev libxslt1-dev libpam0g-dev libreadline-dev zlib1g-dev >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$here/citus-13.2.2.tar.gz" -C "$work"
cd "$work/citus-13.2.2"
# PostgreSQL 15.20 exports have_createdb_privilege(); Citus 13.2.2's compat header redefines it.
patch -p1 -s < "$here/pg15.20-createdb-privilege.patch"
PG_CONFIG=$pg_config ./configure --without-libcurl >/dev/null
make -s -j"$(nproc)" >/dev/null 2>&1
make -s install >/dev/null
echo "Citus 已安装于 $libdir"
