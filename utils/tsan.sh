#!/usr/bin/env bash
# The multithreaded tests under ThreadSanitizer, in build-tsan/ (a build folder of its own):
# the execution limits across threads (threads_test) and the C API's threads program.
# gcc, like the normal build; kiln's code is instrumented, libLLVM and generated Wasm code
# are not. Any report fails the test it happens in. Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash utils/install-deps.sh
build=build-tsan
jobs="${KILN_JOBS:-2}"
san="-fsanitize=thread -fno-omit-frame-pointer"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS="$san" -DCMAKE_CXX_FLAGS="$san" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" >/dev/null
ninja -C "$build" -j"$jobs" threads_test capi_threads
# halt_on_error: the first report fails the run.
export TSAN_OPTIONS="halt_on_error=1 report_signal_unsafe=0 second_deadlock_stack=1"
status=0
# ThreadSanitizer delivers asynchronous signals only when the thread reaches one of its
# interceptors, and Wasm code (not instrumented) has none: the tests that stop a loop by
# the interrupt signal would wait forever, so they run in the normal build only. The
# interruption test with compiled-in checks (no signal needed) runs here.
timeout -s KILL 600 "$build/test-bin/threads_test" \
  --gtest_filter='-ThreadLimits.InterruptFollowsTheCallersStore:ThreadLimits.InterruptReachesNestedCallsOfOtherStores' ||
  status=1
ctest --test-dir "$build" --output-on-failure -R '^capi\.threads$' "$@" || status=1
exit $status
