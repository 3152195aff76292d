#!/usr/bin/env bash
# `npm start`'s prestart: compiles only when a source changed since the last successful build, so
# a start takes a moment instead of a full compile. `npm run build` (and so `npm test`) still
# builds from scratch. dist/.tsbuildinfo marks the last successful build: tsc's incremental state,
# touched after every successful compile. A deleted source file changes its folder's time, so it
# counts as a change too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

INFO=dist/.tsbuildinfo
if [ -f "$INFO" ] && [ -f dist/src/cli/main.js ] \
   && [ -z "$(find src test bench tsconfig.json package.json package-lock.json -newer "$INFO" -print -quit 2>/dev/null)" ]; then
  exit 0
fi
echo "prestart: sources changed since the last build; compiling"
node_modules/.bin/tsc -p tsconfig.json --incremental --tsBuildInfoFile "$INFO"
touch "$INFO"
