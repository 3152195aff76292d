#!/usr/bin/env bash
# Stops the cluster scripts/ceph-rgw-up.sh started under $BASE (default /tmp/berth-ceph) and
# removes $BASE. Only the daemons named by $BASE's pid files are stopped: radosgw first, the
# monitor last, so nothing waits on a monitor that is gone. Nothing there is fine.
set -euo pipefail

BASE=${BASE:-/tmp/berth-ceph}
[ -e "$BASE" ] || { echo "nothing at $BASE"; exit 0; }

for daemon in client.rgw.a osd.0 mon.a; do
  pid_file=$BASE/run/$daemon.pid
  [ -f "$pid_file" ] || continue
  pid=$(cat "$pid_file")
  kill -0 "$pid" 2>/dev/null || continue
  kill -TERM "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
done
rm -rf "$BASE"
echo "Ceph stopped; $BASE removed"
