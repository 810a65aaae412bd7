#!/usr/bin/env bash
# The unit tests, the security tests, the C API programs and the fuzz regression replays, built with
# AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/ (a build folder of its own),
# for CI. Only what those tests need is built. Any sanitizer report fails the test it
# happens in. Extra arguments go to ctest.
#
# gcc, like the normal build (no extra runtime package; clang-19 would need
# libclang-rt-19-dev). The compiler library links libLLVM-19.so, which is not instrumented:
# ASan and UBSan then check kiln's code and not LLVM's, which is what we want here.
set -euo pipefail
cd "$(dirname "$0")/.."
bash utils/install-deps.sh
build=build-asan
jobs="${KILN_JOBS:-2}"
# -fno-sanitize=vptr: UBSan's dynamic-type check probes memory with pipe2(), a system call
# the `kiln run --isolate` seccomp filter rightly refuses, so every --isolate test would
# die of it; the check is about C++ downcasts, not about kiln's handling of hostile input.
san="-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=undefined"
san="$san -fno-omit-frame-pointer"
# RelWithDebInfo (-O2 -g): the security tests compile and run real modules, and -O0 code
# under ASan is several times slower for no extra finding. Configured every time, so a
# change of flags here reaches an existing build-asan/.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS="$san" -DCMAKE_CXX_FLAGS="$san" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DKILN_FUZZ_REGRESS=ON >/dev/null
# What the unit.*, security* and fuzz.regress.* tests run.
ninja -C "$build" -j"$jobs" \
  decoder_test validator_test frontend_conformance_test loader_test elf_verifier_test \
  signature_test runtime_objects_test wasi_test wasi_fs_test kiln_cli_test text_test \
  exceptions_test memory_pool_test threads_test trap_frames_test kiln_h_test hostile_test \
  wagi_test serve_config_test kilnc \
  kiln capi_wasm capi_hello capi_callback capi_global capi_memory capi_table capi_multi capi_reflect \
  capi_trap capi_frames capi_start capi_serialize capi_hostref capi_finalize capi_threads capi_wrong_types \
  kiln-fuzz-decode kiln-fuzz-text kiln-fuzz-artifact kiln-fuzz-wasi

# ASan: each option and why.
#   detect_leaks=0: LeakSanitizer's report at exit would be dominated by process-lifetime
#     caches that are never freed on purpose (the type registry, the artifact code-range
#     table, the memory pool, LLVM's own globals in kilnc); leaks are not what this run is
#     for, and a leak is not a memory-safety bug.
#   allow_user_segv_handler=1: the loader installs its own SIGSEGV/SIGBUS/SIGFPE/SIGILL
#     handlers (a fault in Wasm code is a trap: guard pages, stack overflow) and ASan must
#     let it; without this ASan keeps its handler and reports every trap as a crash.
#   use_sigaltstack=0: ASan would otherwise put its own alternate signal stack on each
#     thread; the loader sets up its own, and stack-overflow traps need the loader's.
#   detect_stack_use_after_return=0: with it, frames live on a heap "fake stack", so the
#     loader's measure of how much native stack the guest may still use is wrong (stack
#     exhaustion traps come too late or not at all), and longjmp out of the trap handler
#     skips the fake frames' bookkeeping.
#   strict_string_checks=1, check_initialization_order=1: cheap extra checks.
#   abort_on_error=0, halt_on_error=1: a report ends the process with exit code 1 (a failed
#     test), not SIGABRT (which the security tests would take for an escaped signal).
export ASAN_OPTIONS="detect_leaks=0:allow_user_segv_handler=1:use_sigaltstack=0:detect_stack_use_after_return=0:strict_string_checks=1:check_initialization_order=1:abort_on_error=0:halt_on_error=1"
# UBSan: print the stack, and end the process on the first report (the build also says
# -fno-sanitize-recover) so the test fails.
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# A test left out: SignalChaining.ForeignFaultsReachThePreviousHandler provokes a fault
# outside Wasm with a store through a null pointer, which UBSan's null check reports (and
# ends the process) before the fault can reach the handlers the test is about.
export GTEST_FILTER="-SignalChaining.ForeignFaultsReachThePreviousHandler"
# ASan's frames are several times larger than normal ones: the recursive-descent readers,
# whose nesting caps (10,000 levels in the text reader) are sized for an 8 MiB stack with
# normal frames, get a larger one here.
ulimit -s 65536
# A security test left out: max-memory.wat runs `kiln run --isolate --max-memory`, which
# caps the child's data segment (RLIMIT_DATA) below what ASan's shadow memory and allocator
# need, so ASan cannot start there. (The other --isolate tests run.)
# oob-edge.wat and timeout.wat also run `kiln run --isolate`: there the ASan runtime makes
# system calls the child's seccomp allow-list does not grant, and the child stops with 159.
# (They run in the normal build.)
export LIT_FILTER_OUT="max-memory|oob-edge|timeout"
ctest --test-dir "$build" --output-on-failure -j"$jobs" -R '^(unit\.|security|fuzz\.regress\.|capi\.)' -LE wip "$@"
