#!/usr/bin/env bash
# Brings up what the test suite needs when it doesn't answer yet: PostgreSQL (127.0.0.1:5432,
# database `test`), Redis (127.0.0.1:6379) and a one-node Ceph RGW (S3 on 127.0.0.1:7480).
# Run by `npm test` (the "pretest" script) and so by .ci/run; idempotent, a no-op when all answer.
# Starting services needs root on Debian 12 (pg_ctlcluster, redis-server, Ceph); without the
# packages it says what to install and fails, rather than letting suites cancel later.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Poll until a service answers; services started a moment ago take a few seconds.
wait_for() {
  local name=$1; shift
  for _ in $(seq 1 60); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "test-services: $name did not come up" >&2; return 1
}

need() {
  command -v "$1" >/dev/null && return 0
  echo "test-services: $2 is not installed; install it with: apt-get install $3" >&2
  exit 1
}

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  need pg_ctlcluster PostgreSQL postgresql
  echo "test-services: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
fi

if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  need redis-server Redis redis-server
  echo "test-services: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis redis-cli -h 127.0.0.1 ping
fi

if ! curl -fs -o /dev/null --max-time 2 http://127.0.0.1:7480/; then
  if ! command -v radosgw >/dev/null && [ "$(id -u)" != 0 ]; then
    echo "test-services: Ceph RGW is not installed; install it (as root) with:" >&2
    echo "  apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl" >&2
    exit 1
  fi
  bash scripts/ceph-rgw-up.sh
fi
