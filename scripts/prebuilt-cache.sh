#!/usr/bin/env bash
# better-sqlite3's native module, kept outside the clone: a later `npm ci` or `npm rebuild better-sqlite3` for the
# same better-sqlite3 version and Node ABI unpacks it instead of compiling SQLite with g++ (about 100 s on 2 cores).
# better-sqlite3's install script (prebuild-install) first looks in the folder named by
# npm_config_better_sqlite3_local_prebuilds for the archive it would otherwise download, by the same name
# (better-sqlite3-v12.11.1-node-v137-linux-x64.tar.gz: version, Node ABI, platform, arch) and loads the module it
# unpacks; if that fails it builds, and without an archive it does as before (tries the download, then builds).
#
#   bash scripts/prebuilt-cache.sh dir          print the folder: $GATEHOUSE_PREBUILDS, else ~/.cache/gatehouse/prebuilds
#   bash scripts/prebuilt-cache.sh save [NODE]  keep the build now in node_modules, which NODE (default: node) loads,
#                                               unless an archive for that version and ABI is kept already
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PKG=node_modules/better-sqlite3

dir() { echo "${GATEHOUSE_PREBUILDS:-${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/prebuilds}"; }

# name NODE: the archive's file name as prebuild-install computes it for NODE (it runs under the Node it installs for).
name() {
  (cd "$PKG" && "$1" -e "
    const pkg = require('./package.json');
    const rc = require('prebuild-install/rc')(pkg);
    console.log(require('path').basename(require('prebuild-install/util').getDownloadUrl({ ...rc, pkg })));")
}

save() {
  local node=${1:-node} out file tmp
  if ! "$node" -e "new (require('better-sqlite3'))(':memory:').close()" >/dev/null 2>&1; then
    echo "prebuilt-cache: better-sqlite3 as built does not load under $("$node" --version); nothing kept" >&2
    return 1
  fi
  out=$(dir)
  file=$out/$(name "$node")
  if [ -f "$file" ]; then return 0; fi
  mkdir -p "$out"
  tmp=$(mktemp "$file.XXXXXX")
  tar -czf "$tmp" -C "$PKG" build/Release/better_sqlite3.node
  chmod 644 "$tmp"
  mv "$tmp" "$file"
  echo "prebuilt-cache: kept better-sqlite3 for Node $("$node" --version) as $file"
}

case "${1:-}" in
  dir) dir ;;
  save) shift; save "$@" ;;
  *) sed -n '2,13p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
