#!/usr/bin/env bash
# Citus 13.2.2 (AGPL-3.0, ADR 0022) for the machine's PostgreSQL 15, for the test suite's cluster
# stage (tests/support/citus.py). Production uses the Citus packages or the citusdata/citus image
# instead (docs/scaling.md).
#
#   vendor/citus/build.sh            install Citus: from the prebuilt archive beside this script when
#                                    it was built for this PostgreSQL and architecture (seconds),
#                                    otherwise built from the source beside it (2-4 minutes)
#   vendor/citus/build.sh --package  build from source and write that prebuilt archive
#
# Needs root (apt-get for the build dependencies, the install into PostgreSQL's folders). A no-op
# when citus.so is installed already.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pg_config=/usr/lib/postgresql/15/bin/pg_config
package=no
[ "${1:-}" = "--package" ] && package=yes
if [ ! -x "$pg_config" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-server-dev-15 >/dev/null
fi
libdir=$("$pg_config" --pkglibdir)
version=$("$pg_config" --version | awk '{print $2}')
arch=$(uname -m)
prebuilt="$here/citus-13.2.2-pg$version-$arch.tar.gz"
if [ "$package" = no ] && [ -f "$libdir/citus.so" ]; then echo "Citus 已安装于 $libdir"; exit 0; fi
if [ "$package" = no ] && [ -f "$prebuilt" ]; then
  tar -xzf "$prebuilt" -C /
  echo "Citus 已安装于 $libdir（预编译包 $(basename "$prebuilt")）"
  exit 0
fi
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
if [ "$package" = yes ]; then
  make -s install DESTDIR="$work/stage" >/dev/null
  # The libraries and the extension's SQL only: no headers, no LLVM bitcode (JIT is for planning
  # heavy queries; the test clusters run with jit = off).
  # Files only (no directory entries, which would carry their modes over the machine's own).
  (cd "$work/stage" && find usr -type f ! -path 'usr/include/*' \
    ! -path 'usr/lib/postgresql/15/lib/bitcode/*' | sort > "$work/files")
  tar -czf "$prebuilt" -C "$work/stage" -T "$work/files"
  echo "预编译包已写入 $prebuilt"
fi
make -s install >/dev/null
echo "Citus 已安装于 $libdir"
