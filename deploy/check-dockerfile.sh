#!/usr/bin/env bash
# Runs the Dockerfile's steps on this host, where no Docker engine runs, in a temporary copy of
# the repository, then starts the result as the image's non-root user would and checks that
# /healthz and /readyz answer 200, that the image's HEALTHCHECK command passes and that SIGTERM
# stops the server cleanly. Usage: bash deploy/check-dockerfile.sh (as root to switch users).
# About 4 minutes on a 2-core machine, most of it compiling better-sqlite3 (no prebuilt binary
# can be downloaded here) and tsc.
#
# The copy_in / run / copy_from_build lines below mirror the Dockerfile's COPY and RUN lines one
# for one; test/deploy/deploy.test.ts fails when the two drift apart. Left out, because the
# host stands in for them: the apt-get line (this machine has python3, make and g++) and the
# useradd line (setpriv switches to the same numeric user).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/berth-dockerfile.XXXXXX")
chmod 755 "$WORK"   # the non-root user must reach /app inside it
BUILD=$WORK/src     # the build stage's WORKDIR /src
APP=$WORK/app       # the runtime stage's WORKDIR /app
DATA=$WORK/data     # stands in for the /data volume
RUN_AS=10001:10001  # the Dockerfile's USER
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { printf '== %s  [%ds]\n' "$*" "$SECONDS"; }
fail() { echo "check-dockerfile: $*" >&2; exit 1; }

copy_in() { local p; for p in "$@"; do cp -a "$ROOT/$p" "$BUILD/$p"; done; }
run() { step "RUN $1"; (cd "$BUILD" && bash -euo pipefail -c "$1"); }
copy_from_build() { mkdir -p "$(dirname "$APP/$1")" && cp -a "$BUILD/$1" "$APP/$1"; }

step "build stage in $BUILD"
mkdir -p "$BUILD" "$APP" "$DATA"
copy_in package.json package-lock.json
run 'npm ci --ignore-scripts --no-audit --no-fund && npm rebuild'
copy_in tsconfig.json
copy_in src
copy_in bin
run 'npm run build && npm prune --omit=dev --no-audit --no-fund'

step "runtime stage in $APP"
copy_from_build package.json
copy_from_build node_modules
copy_from_build dist/src
copy_from_build bin
# COPY leaves root the owner: the code is read-only to the server, as in the image.
chown -R 0:0 "$APP" 2>/dev/null || true
chmod -R a+rX "$APP"

if [ "$(id -u)" = 0 ]; then
  chown "$RUN_AS" "$DATA"
  AS_USER=(setpriv --reuid="${RUN_AS%:*}" --regid="${RUN_AS#*:}" --clear-groups --)
else
  echo "not root: running the server as $(id -un), not as $RUN_AS"
  AS_USER=()
fi
PORT=$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
URL=http://127.0.0.1:$PORT
# The server gets a clean environment, as in the image; keep the node this script builds with.
RUN_PATH=$(dirname "$(command -v node)"):/usr/bin:/bin

# Status code of GET $1, or 000 when nothing answers.
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1" || true; }

# The image's HEALTHCHECK command, read from the Dockerfile so that its exact text is what runs.
healthcheck_cmd() {
  node -e "
    const text = require('node:fs').readFileSync(process.argv[1], 'utf8').replace(/\\\\\n/g, ' ');
    const line = text.split('\n').find((l) => l.startsWith('HEALTHCHECK'));
    for (const arg of JSON.parse(line.slice(line.indexOf('CMD') + 3))) console.log(arg);
  " "$ROOT/Dockerfile"
}

# Starts `node bin/berth.js serve` (the image's CMD) with the environment "$@" and checks it.
serve_and_check() {
  local name=$1; shift
  step "serve ($name) on $URL"
  (cd "$APP" && exec env -i PATH="$RUN_PATH" HOME=/nonexistent BERTH_DATA="$DATA" \
     BERTH_LISTEN="127.0.0.1:$PORT" "$@" "${AS_USER[@]}" node bin/berth.js serve) >"$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 120); do
    [ "$(status "$URL/healthz")" = 200 ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/$name.log"; fail "$name: the server exited"; }
    sleep 0.5
  done
  [ "$(status "$URL/healthz")" = 200 ] || { cat "$WORK/$name.log"; fail "$name: /healthz never answered 200"; }
  local ready
  ready=$(curl -s --max-time 10 -w ' %{http_code}' "$URL/readyz" || true)
  echo "/readyz: $ready"
  [ "${ready##* }" = 200 ] || { cat "$WORK/$name.log"; fail "$name: /readyz did not answer 200"; }
  # A login proves the password hashing addon (@node-rs/argon2) loads from the pruned tree.
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "admin:$ADMIN_PASSWORD" "$URL/v2/")" = 200 ] \
    || { cat "$WORK/$name.log"; fail "$name: admin could not log in"; }
  echo "admin login: ok"
  mapfile -t HC < <(healthcheck_cmd)
  (cd "$APP" && env -i PATH="$RUN_PATH" BERTH_LISTEN="127.0.0.1:$PORT" "${AS_USER[@]}" "${HC[@]}") \
    || fail "$name: the Dockerfile's HEALTHCHECK command failed"
  echo "HEALTHCHECK command: ok"
  kill -TERM "$SERVER_PID"
  local code=0
  wait "$SERVER_PID" || code=$?
  SERVER_PID=""
  [ "$code" = 0 ] || { cat "$WORK/$name.log"; fail "$name: exit code $code after SIGTERM"; }
  echo "SIGTERM: exited 0"
}

ADMIN_PASSWORD=$(head -c 18 /dev/urandom | base64)
serve_and_check embedded BERTH_ADMIN_PASSWORD="$ADMIN_PASSWORD"

# The production dependencies must also carry the shared backends: PostgreSQL and Redis, when
# this machine runs them (the CI machines do), in a schema and key prefix of their own.
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  SCHEMA=berth_dockerfile_check_$$
  serve_and_check postgres-redis BERTH_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    BERTH_METADATA_URL="postgres://postgres@127.0.0.1:5432/test?schema=$SCHEMA" \
    BERTH_REDIS_URL=redis://127.0.0.1:6379/0 BERTH_REDIS_KEY_PREFIX="$SCHEMA:"
  PGOPTIONS="-c client_min_messages=warning" psql -q -h 127.0.0.1 -U postgres -d test \
    -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null || true
else
  echo "PostgreSQL or Redis does not answer on 127.0.0.1: skipped the shared-backend start"
fi
step "done: the Dockerfile's steps build a server that starts, answers its probes and stops"
