#!/usr/bin/env bash
# Installs the Debian packages kiln needs (if missing), configures and builds into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash utils/install-deps.sh
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
ninja -C build -j"${KILN_JOBS:-2}"
