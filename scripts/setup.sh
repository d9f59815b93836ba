#!/usr/bin/env bash
# Idempotent set-up on a fresh Debian/Ubuntu machine (as root): system packages when missing,
# npm dependencies when the lockfile changed, the libtorch addon and the TypeScript build when
# their sources changed. Every README command runs it first; a second run does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the browser the tests of `veil serve`'s pages drive (playwright-core, headless).
need=()
for pkg in libtorch-dev ffmpeg cmake g++ make chromium; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ((${#need[@]})); then
  echo "veil setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${need[@]}" >&2
fi

stamp() { [ -e "$1" ] && [ -z "$(find "${@:2}" -newer "$1" -print -quit 2>/dev/null)" ]; }

if ! stamp node_modules/.veil-installed package-lock.json package.json; then
  echo "veil setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
  touch node_modules/.veil-installed
fi

if ! stamp native/build/Release/veil_torch.node native/src native/CMakeLists.txt; then
  echo "veil setup: building the libtorch addon" >&2
  npx cmake-js compile --directory native --out native/build >&2
fi

echo "veil setup: compiling TypeScript (veil, and the front end of veil serve)" >&2
npx tsc -p tsconfig.json >&2
npx tsc -p web/tsconfig.json >&2
