#!/usr/bin/env bash
# Starts a one-node Ceph with its S3 gateway for the S3 driver's tests: one monitor, one OSD
# (BlueStore on a sparse file) and one radosgw serving S3 on 127.0.0.1:7480. As root on Debian 12,
# without systemd or Docker; everything lives under $BASE (default /tmp/berth-ceph).
#   bash scripts/ceph-rgw-up.sh      then  . /tmp/berth-ceph/s3.env  (AWS_* and S3_ENDPOINT)
#   bash scripts/ceph-rgw-down.sh    stops the daemons and removes $BASE
# Idempotent: when S3 already answers on the port (this script's or ../shared/tools' cluster),
# it does nothing. The S3 user has the keys below; there is no bucket (tests create their own).
# Addressing is path-style, SigV4, region us-east-1. RGW quirks the driver copes with:
# CompleteMultipartUpload answers with an empty ETag (HEAD has the real one); parts below 5 MiB
# other than the last are refused; server-side encryption needs TLS (rgw_crypt_require_ssl).
set -euo pipefail

BASE=${BASE:-/tmp/berth-ceph}
RGW_PORT=${RGW_PORT:-7480}
MON_PORT=${MON_PORT:-3300}            # messenger v2
MON_V1_PORT=${MON_V1_PORT:-6789}      # messenger v1, which the ceph tools still try
OSD_SIZE=${OSD_SIZE:-10737418240}     # 10 GiB, sparse: only written bytes take disk space
ACCESS_KEY=${ACCESS_KEY:-berthtestaccesskey}
SECRET_KEY=${SECRET_KEY:-berthtestsecretkey0123456789abcdefghijkl}
S3_URL=http://127.0.0.1:$RGW_PORT

rgw_answers() { curl -fs -o /dev/null --max-time 2 "$S3_URL/"; }

# The daemons chatter on stderr while they format and start (normal on a fresh store); keep that
# in a log and show it only when a step fails.
logged() {
  "$@" 2>>"$BASE/log/setup.log" || { tail -n 30 "$BASE/log/setup.log" >&2; return 1; }
}

# Poll until a check passes; the daemons take seconds to come up, radosgw longest (it creates
# its pools on first start).
wait_for() {
  local name=$1 tries=$2; shift 2
  for _ in $(seq 1 "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "$name did not come up; logs in $BASE/log" >&2; return 1
}

if rgw_answers; then
  echo "S3 already answers at $S3_URL; nothing to do"
  exit 0
fi

if ! command -v ceph-mon >/dev/null || ! command -v ceph-osd >/dev/null || ! command -v radosgw >/dev/null \
   || ! command -v uuidgen >/dev/null || ! command -v curl >/dev/null; then
  echo "installing Ceph (mon, osd, radosgw) from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 \
    ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl >/dev/null
fi

# Left over from a cluster that is no longer running (a reboot, a killed CI job): start afresh.
if [ -e "$BASE" ]; then
  echo "$BASE is left from a cluster that does not answer; removing it"
  BASE=$BASE bash "$(dirname "${BASH_SOURCE[0]}")/ceph-rgw-down.sh" >/dev/null
fi

mkdir -p "$BASE"/{run,log,crash,mon/mon.a,osd/osd.0,rgw}
CONF=$BASE/ceph.conf
FSID=$(uuidgen)
MON_ADDRS="[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]"

cat >"$CONF" <<EOF
[global]
fsid = $FSID
mon_host = $MON_ADDRS
mon_initial_members = a
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
public_network = 127.0.0.0/8
ms_bind_ipv6 = false
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
keyring = $BASE/\$name.keyring
run_dir = $BASE/run
admin_socket = $BASE/run/\$name.asok
pid_file = $BASE/run/\$name.pid
log_file = $BASE/log/\$name.log
crash_dir = $BASE/crash
# One OSD: every pool keeps one copy, in few placement groups.
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
osd_crush_chooseleaf_type = 0
mon_allow_pool_delete = true
# Development machines' disks are often fuller than Ceph likes; that is no reason to stop.
mon_data_avail_warn = 5
mon_data_avail_crit = 1

[mon]
mon_data = $BASE/mon/\$name
mon_cluster_log_file = $BASE/log/cluster.log

[osd]
osd_data = $BASE/osd/\$name
osd_objectstore = bluestore
bluestore_block_create = true
bluestore_block_size = $OSD_SIZE
osd_memory_target = 1073741824
osd_op_num_shards = 1
osd_op_num_threads_per_shard = 2

[client.rgw.a]
rgw_frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw_data = $BASE/rgw
rgw_thread_pool_size = 64
rgw_enable_usage_log = false
EOF
C=(-c "$CONF")
cd "$BASE"

echo "monitor"
ceph-authtool --create-keyring "$BASE/mon.a.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring "$BASE/client.admin.keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$BASE/mon.a.keyring" --import-keyring "$BASE/client.admin.keyring" >/dev/null
monmaptool --create --addv a "$MON_ADDRS" --fsid "$FSID" "$BASE/monmap" >/dev/null
logged ceph-mon "${C[@]}" --mkfs -i a --monmap "$BASE/monmap" --keyring "$BASE/mon.a.keyring"
logged ceph-mon "${C[@]}" -i a                # daemonizes; pid in $BASE/run/mon.a.pid
wait_for "the monitor" 120 timeout 5 ceph "${C[@]}" -s
ceph "${C[@]}" config set mon auth_allow_insecure_global_id_reclaim false >/dev/null 2>&1 || true

echo "OSD"
OSD_UUID=$(uuidgen)
OSD_SECRET=$(ceph-authtool --gen-print-key)
# Registers the OSD and its key with the monitor; prints its id (0 on a fresh cluster).
OSD_ID=$(echo "{\"cephx_secret\": \"$OSD_SECRET\"}" | ceph "${C[@]}" osd new "$OSD_UUID" -i -)
ceph-authtool --create-keyring "$BASE/osd.$OSD_ID.keyring" --name "osd.$OSD_ID" --add-key "$OSD_SECRET" >/dev/null
logged ceph-osd "${C[@]}" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" --no-mon-config
logged ceph-osd "${C[@]}" -i "$OSD_ID"        # daemonizes
osd_up() { ceph "${C[@]}" osd stat -f json | grep -q '"num_up_osds":1'; }
wait_for "the OSD" 120 osd_up

echo "radosgw"
ceph "${C[@]}" auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' mgr 'allow rw' \
  -o "$BASE/client.rgw.a.keyring"
logged radosgw "${C[@]}" -n client.rgw.a      # daemonizes
wait_for radosgw 240 rgw_answers

radosgw-admin "${C[@]}" user create --uid=registry --display-name="Berth tests" \
  --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >/dev/null

cat >"$BASE/s3.env" <<EOF
export AWS_ACCESS_KEY_ID=$ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$SECRET_KEY
export AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL=$S3_URL
export S3_ENDPOINT=$S3_URL
export CEPH_CONF=$CONF
EOF
echo "Ceph RGW answers S3 at $S3_URL after ${SECONDS}s; keys in $BASE/s3.env"
