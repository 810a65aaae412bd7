// Per-thread entry frames, trap unwinding and the fault signal handlers.
//
// A host -> Wasm call runs inside RunGuarded(), which pushes an entry frame (a sigjmp_buf)
// for this thread. Traps unwind to the innermost frame with siglongjmp:
//  - explicit traps: the `trap` builtin and the other builtins call RaiseTrap();
//  - interrupts: InterruptSignal() while the PC is in Wasm code and the call's interrupt
//    counter is set;
//  - faults: SIGSEGV/SIGBUS (guard pages, stack guard), SIGFPE, SIGILL whose PC lies in a
//    loaded artifact's code while this thread is inside a Wasm call; everything else goes
//    to the handler that was installed before ours.
// Handlers run on an alternate signal stack installed for every thread that enters Wasm.
#ifndef KILN_LOADER_TRAP_HANDLER_H
#define KILN_LOADER_TRAP_HANDLER_H

#include <cstdint>
#include <string>
#include <vector>

#include "kiln/abi.h"

namespace kiln {

// The deepest backtrace a trap records (innermost frames first).
inline constexpr size_t kMaxTraceFrames = 512;

struct TrapRecord {
  uint32_t code = 0;
  uintptr_t pc = 0;
  // The pcs of the Wasm frames of the trapping call, innermost first, as the artifacts'
  // code maps look them up (a call's pc is its return address - 1), read from the stack
  // before the trap unwound it. Empty without code maps.
  std::vector<uintptr_t> trace;
  int32_t exit_code = 0;
  std::string message;
  kiln_exception* exception = nullptr;  // KILN_TRAP_UNCAUGHT_EXCEPTION
};

// Installs the signal handlers (once per process) and this thread's alternate signal stack
// and stack bounds (once per thread).
void PrepareThread();

// The lowest stack pointer Wasm may use on this thread (stack end + safety margin).
uintptr_t ThreadStackLimit();

// This thread's kiln_thread_state (the limits generated code checks), and its offset from
// the thread pointer: the same on every thread, written into every vmctx.
kiln_thread_state& ThreadState();
int64_t ThreadStateOffset();

// Runs fn(arg) under a new entry frame. Returns true when fn returned, false when a trap
// unwound to this frame (then *trap describes it). While it runs, the interrupt signal
// unwinds it with KILN_TRAP_INTERRUPTED if it arrives when the thread is in Wasm code and
// `*interrupt` (the store's InterruptHandle counter; may be null) or the counter of a call
// it is nested in is non-zero.
bool RunGuarded(void (*fn)(void*), void* arg, TrapRecord* trap,
                const volatile uint64_t* interrupt = nullptr);

// Traps "interrupted" if the current Wasm call (or one it is nested in) has been
// interrupted: called by the
// builtins and host-function bindings on their way back to Wasm code, so a guest spending
// its time in host code stops there (the signal cannot unwind host code).
void PollInterrupt(uintptr_t pc);

// The signal InterruptHandle sends to threads running Wasm code (a real-time signal:
// SIGRTMAX - 3).
int InterruptSignal();

// The innermost try_table handler of this thread's current host -> Wasm call (each
// RunGuarded starts an empty chain and restores the outer one when it ends).
kiln_handler*& ExceptionHandlerHead();

// Throws `exn` to the innermost try_table handler of this thread's current host -> Wasm
// call, or, when there is none, traps "uncaught exception" at its entry frame (which then
// carries `exn`). Must not be called with live C++ objects on the frames it skips.
[[noreturn]] void ThrowException(kiln_exception* exn, uintptr_t pc);

// True while this thread is inside RunGuarded.
bool InGuardedCall();

// Attaches a message / exit code to the trap about to be raised on this thread.
void SetPendingTrapDetails(std::string message, int32_t exit_code);

// Unwinds to the innermost entry frame of this thread. `pc` attributes the trap to a
// function (0: unknown). Aborts the process if the thread is not inside a Wasm call.
[[noreturn]] void RaiseTrap(uint32_t code, uintptr_t pc);

}  // namespace kiln

#endif  // KILN_LOADER_TRAP_HANDLER_H
