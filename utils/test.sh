#!/usr/bin/env bash
# Builds kiln (installing what it needs) and runs every test: lit, unit tests, spec suite,
# WASI programs, hostile modules.
set -euo pipefail
cd "$(dirname "$0")/.."
bash utils/build.sh
ctest --test-dir build --output-on-failure -j"${KILN_JOBS:-2}" "$@"
