#include "TrapHandler.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <unwind.h>

#include "AddressRangeRegistry.h"
#include "kiln/Artifact.h"
#include "kiln/abi.h"

namespace kiln {
namespace {

constexpr uintptr_t kStackMargin = 128 * 1024;
constexpr uintptr_t kStackGuardSlack = 1024 * 1024;  // below the stack end: guard / gap
constexpr size_t kAltStackSize = 64 * 1024;

struct EntryFrame {
  sigjmp_buf jump;
  EntryFrame* prev;
  volatile uint32_t code;
  volatile uintptr_t pc;
  int32_t exit_code;
  std::string message;
  kiln_exception* exception;
  const volatile uint64_t* interrupt;
  // The trap's backtrace (RecordTrace); written only when a trap is raised.
  uint32_t trace_len;
  uintptr_t trace[kMaxTraceFrames];
};

struct ThreadInfo {
  bool ready;
  uintptr_t stack_lo;
  uintptr_t stack_limit;
};

// Plain data read by the signal handler: initial-exec TLS never allocates.
__attribute__((tls_model("initial-exec"))) thread_local EntryFrame* t_frame = nullptr;
__attribute__((tls_model("initial-exec"))) thread_local ThreadInfo t_info = {false, 0, 0};
__attribute__((tls_model("initial-exec"))) thread_local kiln_handler* t_exn_head = nullptr;
// The limits of the running code (abi.h): generated code reads it %fs-relative.
__attribute__((tls_model("initial-exec"))) thread_local kiln_thread_state t_state = {};

// The thread pointer (%fs base): the TCB, whose first word points to itself (x86-64 TLS
// ABI, glibc and musl alike).
uintptr_t ThreadPointer() {
  uintptr_t tp;
  __asm__("movq %%fs:0, %0" : "=r"(tp));
  return tp;
}

int64_t StateOffsetOfThisThread() {
  return static_cast<int64_t>(reinterpret_cast<uintptr_t>(&t_state) - ThreadPointer());
}

// Owns the alternate signal stack this thread got from us; removes it at thread exit.
class AltStack {
 public:
  void Install() {
    stack_t current;
    if (sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE) &&
        current.ss_size >= 16 * 1024) {
      return;  // the embedder already gave this thread one
    }
    const long page = sysconf(_SC_PAGESIZE);
    size_ = kAltStackSize + static_cast<size_t>(page);
    void* mem = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return;
    mprotect(mem, static_cast<size_t>(page), PROT_NONE);  // guard page below
    stack_t ss{};
    ss.ss_sp = static_cast<char*>(mem) + page;
    ss.ss_size = kAltStackSize;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, nullptr) != 0) {
      munmap(mem, size_);
      return;
    }
    mem_ = mem;
  }
  ~AltStack() {
    if (mem_ == nullptr) return;
    stack_t ss{};
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, nullptr);
    munmap(mem_, size_);
  }

 private:
  void* mem_ = nullptr;
  size_t size_ = 0;
};
thread_local AltStack t_alt_stack;

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
struct sigaction g_previous[NSIG];

bool InStackGuard(uintptr_t addr) {
  if (!t_info.ready) return false;
  return addr < t_info.stack_limit && addr + kStackGuardSlack >= t_info.stack_lo;
}

// For a #DE fault on `div`/`idiv` with a register divisor: a non-zero divisor means the
// quotient overflowed (INT_MIN / -1) rather than a division by zero.
uint32_t DivideTrapCode(const ucontext_t* uc, uintptr_t pc) {
  static constexpr int kRegs[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                    REG_RSI, REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                    REG_R12, REG_R13, REG_R14, REG_R15};
  if (CodeRanges().Find(pc + 3) == nullptr) return KILN_TRAP_INT_DIV_ZERO;
  const auto* p = reinterpret_cast<const uint8_t*>(pc);
  uint8_t rex = 0;
  if ((p[0] & 0xF0) == 0x40) rex = *p++;
  if (p[0] != 0xF7) return KILN_TRAP_INT_DIV_ZERO;
  const uint8_t modrm = p[1];
  if ((modrm >> 6) != 3) return KILN_TRAP_INT_DIV_ZERO;
  const int reg = (modrm & 7) | ((rex & 1) << 3);
  uint64_t divisor = static_cast<uint64_t>(uc->uc_mcontext.gregs[kRegs[reg]]);
  if (!(rex & 8)) divisor &= 0xFFFFFFFFu;
  return divisor != 0 ? KILN_TRAP_INT_OVERFLOW : KILN_TRAP_INT_DIV_ZERO;
}

void ChainToPrevious(int sig, siginfo_t* info, void* context) {
  const struct sigaction& prev = g_previous[sig];
  if (prev.sa_flags & SA_SIGINFO) {
    if (prev.sa_sigaction != nullptr) prev.sa_sigaction(sig, info, context);
    return;
  }
  if (prev.sa_handler == SIG_DFL || prev.sa_handler == SIG_IGN) {
    // Put the old disposition back and return: the faulting instruction runs again and
    // gets the default action (core dump), as if we had never been installed.
    sigaction(sig, &prev, nullptr);
    return;
  }
  prev.sa_handler(sig);
}

// Records in `frame` the pcs of the Wasm frames of its call, from the one at `pc` (with the
// stack pointer `sp` and frame pointer `fp` it has there; `exact`: `pc` is the trapping
// instruction itself, not a return address) outwards, by the artifacts' code maps: each
// row says where the caller's return address and %rbp are. Stops at the first pc outside
// mapped code (the host code that called the entry trampoline). Reads the stack only
// between `sp` and the entry frame, which lies above every frame of its call: a wrong map
// ends the trace, it cannot make this read elsewhere. Async-signal-safe.
void RecordTrace(EntryFrame* frame, uintptr_t pc, uintptr_t sp, uintptr_t fp, bool exact) {
  frame->trace_len = 0;
  const uintptr_t lo = sp, hi = reinterpret_cast<uintptr_t>(frame);
  auto on_stack = [&](uintptr_t addr) { return addr % 8 == 0 && addr >= lo && addr < hi - 8; };
  while (frame->trace_len < kMaxTraceFrames) {
    const uintptr_t at = exact ? pc : pc - 1;
    const auto* artifact = static_cast<const Artifact*>(CodeRanges().Find(at));
    if (artifact == nullptr) break;
    bool wasm = false;
    const kiln_code_map_rule* row = artifact->FrameRuleAt(at, &wasm);
    if (row == nullptr) break;
    if (wasm) frame->trace[frame->trace_len++] = at;
    uintptr_t cfa;
    if (row->cfa_reg == KILN_CFA_RSP) {
      cfa = sp + static_cast<intptr_t>(row->cfa_offset);
    } else if (row->cfa_reg == KILN_CFA_RBP) {
      cfa = fp + static_cast<intptr_t>(row->cfa_offset);
    } else {
      break;
    }
    if (cfa <= sp || !on_stack(cfa - 8)) break;
    if (row->rbp_saved != 0) {
      const uintptr_t slot = cfa + static_cast<intptr_t>(row->rbp_saved);
      if (!on_stack(slot)) break;
      fp = *reinterpret_cast<const uintptr_t*>(slot);
    }
    pc = *reinterpret_cast<const uintptr_t*>(cfa - 8);
    sp = cfa;
    exact = false;
  }
}

// From host code (a builtin or host function raising a trap): the C++ unwinder finds the
// innermost frame in an artifact's code, and the code maps go on from there.
struct SeekWasm {
  uintptr_t pc = 0, sp = 0, fp = 0;
  bool exact = false;
};

_Unwind_Reason_Code SeekWasmFrame(struct _Unwind_Context* context, void* arg) {
  auto* seek = static_cast<SeekWasm*>(arg);
  int before = 0;
  const uintptr_t ip = _Unwind_GetIPInfo(context, &before);
  if (ip == 0 || CodeRanges().Find(before ? ip : ip - 1) == nullptr) return _URC_NO_REASON;
  // The unwinder cannot step into this frame (artifact code is not registered with it):
  // its CFA is the stack pointer here after the call returned.
  seek->pc = ip;
  seek->exact = before != 0;
  seek->sp = _Unwind_GetCFA(context);
  seek->fp = _Unwind_GetGR(context, 6 /* DWARF %rbp */);
  return _URC_END_OF_STACK;
}

void RecordTraceFromHost(EntryFrame* frame) {
  frame->trace_len = 0;
  SeekWasm seek;
  _Unwind_Backtrace(SeekWasmFrame, &seek);
  if (seek.pc != 0) RecordTrace(frame, seek.pc, seek.sp, seek.fp, seek.exact);
}

// True if `frame`'s call, or a call it is nested in, has been interrupted (its store's
// InterruptHandle counter is set): interrupting a store stops what its calls called too.
bool Interrupted(const EntryFrame* frame) {
  for (; frame != nullptr; frame = frame->prev)
    if (frame->interrupt != nullptr && __atomic_load_n(frame->interrupt, __ATOMIC_RELAXED) != 0)
      return true;
  return false;
}

// Leaves a signal handler for `frame` with the trap `code` at `pc`.
[[noreturn]] void UnwindFromHandler(EntryFrame* frame, int sig, uint32_t code, uintptr_t pc) {
  frame->code = code;
  frame->pc = pc;
  // We leave the handler by jumping: unblock the signal the kernel blocked for it.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  siglongjmp(frame->jump, 1);
}

void HandleFault(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  auto* uc = static_cast<ucontext_t*>(context);
  const uintptr_t pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  EntryFrame* frame = t_frame;
  if (frame != nullptr && info->si_code > 0 && CodeRanges().Find(pc) != nullptr) {
    uint32_t code = KILN_TRAP_NONE;
    switch (sig) {
      case SIGSEGV:
      case SIGBUS: {
        const uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
        if (MemoryReservations().Find(addr) != nullptr) {
          code = KILN_TRAP_MEMORY_OOB;
        } else if (InStackGuard(addr)) {
          code = KILN_TRAP_STACK_EXHAUSTED;
        }
        break;
      }
      case SIGFPE:
        code = info->si_code == FPE_INTOVF ? uint32_t{KILN_TRAP_INT_OVERFLOW} : DivideTrapCode(uc, pc);
        break;
      case SIGILL:
        code = KILN_TRAP_UNREACHABLE;
        break;
    }
    if (code != KILN_TRAP_NONE) {
      RecordTrace(frame, pc, static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]),
                  static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RBP]), /*exact=*/true);
      UnwindFromHandler(frame, sig, code, pc);
    }
  }
  errno = saved_errno;
  ChainToPrevious(sig, info, context);
}

// The interrupt signal: unwind only from Wasm code (anywhere in it: Wasm code holds no
// locks and no host state that an unwind could leave inconsistent; the exception handler
// chain is restored by RunGuarded). In host code the signal is ignored and sent again.
void HandleInterrupt(int sig, siginfo_t* info, void* context) {
  EntryFrame* frame = t_frame;
  if (!Interrupted(frame)) return;
  auto* uc = static_cast<ucontext_t*>(context);
  const uintptr_t pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  if (CodeRanges().Find(pc) == nullptr) return;
  RecordTrace(frame, pc, static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]),
              static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RBP]), /*exact=*/true);
  UnwindFromHandler(frame, sig, KILN_TRAP_INTERRUPTED, pc);
}

void InstallHandlers() {
  CodeRanges();  // construct the registries before any signal can need them
  MemoryReservations();
  struct sigaction action{};
  action.sa_sigaction = HandleFault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (int sig : kSignals) {
    if (sigaction(sig, &action, &g_previous[sig]) != 0) {
      std::fprintf(stderr, "kiln: cannot install the %s handler: %s\n", strsignal(sig),
                   std::strerror(errno));
      std::abort();
    }
  }
  struct sigaction interrupt{};
  interrupt.sa_sigaction = HandleInterrupt;
  interrupt.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&interrupt.sa_mask);
  if (sigaction(InterruptSignal(), &interrupt, nullptr) != 0) {
    std::fprintf(stderr, "kiln: cannot install the interrupt handler: %s\n", std::strerror(errno));
    std::abort();
  }
}

}  // namespace

void PrepareThread() {
  if (t_info.ready) return;
  static std::once_flag once;
  std::call_once(once, InstallHandlers);
  t_alt_stack.Install();
  uintptr_t lo = 0, hi = 0;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* addr = nullptr;
    size_t size = 0;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
      lo = reinterpret_cast<uintptr_t>(addr);
      hi = lo + size;
    }
    pthread_attr_destroy(&attr);
  }
  if (hi == 0) {
    // Unknown bounds: assume 1 MiB below the current frame.
    hi = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    lo = hi - (1u << 20);
  }
  // Static TLS sits at the same offset from the thread pointer on every thread.
  if (StateOffsetOfThisThread() != ThreadStateOffset()) {
    std::fprintf(stderr, "kiln: fatal: the thread state is not in static TLS (offset %lld on "
                 "this thread, %lld on the first)\n",
                 static_cast<long long>(StateOffsetOfThisThread()),
                 static_cast<long long>(ThreadStateOffset()));
    std::abort();
  }
  t_info.stack_lo = lo;
  t_info.stack_limit = lo + std::min<uintptr_t>(kStackMargin, (hi - lo) / 4);
  t_info.ready = true;
}

uintptr_t ThreadStackLimit() {
  PrepareThread();
  return t_info.stack_limit;
}

kiln_handler*& ExceptionHandlerHead() { return t_exn_head; }

kiln_thread_state& ThreadState() { return t_state; }

int64_t ThreadStateOffset() {
  static const int64_t offset = StateOffsetOfThisThread();
  return offset;
}

int InterruptSignal() { return SIGRTMAX - 3; }

void PollInterrupt(uintptr_t pc) {
  const EntryFrame* frame = t_frame;
  if (Interrupted(frame)) RaiseTrap(KILN_TRAP_INTERRUPTED, pc);
}

bool RunGuarded(void (*fn)(void*), void* arg, TrapRecord* trap,
                const volatile uint64_t* interrupt) {
  PrepareThread();
  // Handlers of outer Wasm frames are not visible through a host frame: an exception
  // reaching this call's boundary is "uncaught" here.
  kiln_handler* const saved_handlers = t_exn_head;
  t_exn_head = nullptr;
  EntryFrame frame;
  frame.prev = t_frame;
  frame.code = KILN_TRAP_NONE;
  frame.pc = 0;
  frame.exit_code = 0;
  frame.exception = nullptr;
  frame.interrupt = interrupt;
  frame.trace_len = 0;
  if (sigsetjmp(frame.jump, 0) == 0) {
    t_frame = &frame;
    fn(arg);
    t_frame = frame.prev;
    t_exn_head = saved_handlers;
    return true;
  }
  t_frame = frame.prev;
  t_exn_head = saved_handlers;
  trap->code = frame.code;
  trap->pc = frame.pc;
  trap->exit_code = frame.exit_code;
  trap->message = std::move(frame.message);
  trap->exception = frame.exception;
  trap->trace.assign(frame.trace, frame.trace + frame.trace_len);
  return false;
}

bool InGuardedCall() { return t_frame != nullptr; }

void SetPendingTrapDetails(std::string message, int32_t exit_code) {
  if (t_frame == nullptr) return;
  t_frame->message = std::move(message);
  t_frame->exit_code = exit_code;
}

void ThrowException(kiln_exception* exn, uintptr_t pc) {
  kiln_handler* h = t_exn_head;
  if (h == nullptr) {
    exn->flags |= KILN_EXN_EXPOSED;  // the host gets a pointer to it
    if (t_frame != nullptr) t_frame->exception = exn;
    RaiseTrap(KILN_TRAP_UNCAUGHT_EXCEPTION, pc);
  }
  t_exn_head = h->prev;
  h->exn = exn;
  longjmp(*reinterpret_cast<jmp_buf*>(h->jmpbuf), 1);
}

void RaiseTrap(uint32_t code, uintptr_t pc) {
  EntryFrame* frame = t_frame;
  if (frame == nullptr) {
    std::fprintf(stderr, "kiln: fatal: trap \"%s\" raised outside of any Wasm call\n",
                 kiln_trap_message(code));
    std::abort();
  }
  frame->code = code;
  frame->pc = pc;
  // proc_exit is how WASI programs end, not a failure: no backtrace to pay for.
  if (code != KILN_TRAP_EXIT) RecordTraceFromHost(frame);
  siglongjmp(frame->jump, 1);
}

}  // namespace kiln
