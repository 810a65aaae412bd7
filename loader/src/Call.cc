#include "kiln/Call.h"

#include <algorithm>
#include <exception>
#include <optional>

#include "TrapHandler.h"
#include "absl/status/status.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "kiln/Artifact.h"
#include "kiln/Instance.h"
#include "kiln/Store.h"

namespace kiln {
namespace {

using ArrayToNative = void (*)(void* code, void* vmctx, kiln_val* args_results);

struct WasmCall {
  ArrayToNative entry;
  kiln_funcref* funcref;
  kiln_val* values;
};

void RunWasmCall(void* arg) {
  auto* c = static_cast<WasmCall*>(arg);
  c->entry(c->funcref->code, c->funcref->vmctx, c->values);
}

Trap MakeTrap(const TrapRecord& record) {
  Trap trap;
  trap.code = static_cast<kiln_trap_code>(record.code);
  trap.message = record.message.empty() ? kiln_trap_message(record.code) : record.message;
  trap.exit_code = record.exit_code;
  trap.pc = record.pc;
  trap.exception = record.exception;
  for (uintptr_t pc : record.trace) {
    const Artifact* artifact = Artifact::FindByPc(pc);
    if (artifact == nullptr) continue;
    for (const Artifact::WasmFrame& f : artifact->WasmFramesAt(pc)) {
      trap.frames.push_back({f.func_index, f.module_offset, f.func_offset, artifact,
                             std::string(artifact->function_name(f.func_index))});
    }
  }
  if (!trap.frames.empty()) {
    trap.func_index = trap.frames[0].func_index;
    trap.func_name = trap.frames[0].func_name;
  } else if (record.pc != 0) {
    if (const Artifact* artifact = Artifact::FindByPc(record.pc)) {
      trap.func_index = artifact->FunctionAt(record.pc);
      if (trap.func_index.has_value()) {
        trap.func_name = std::string(artifact->function_name(*trap.func_index));
      }
    }
  }
  return trap;
}

}  // namespace

// Puts this thread under `store`'s limits for one call from the host, and back under the
// previous ones (an outer call's, or none) when it ends, trap or not.
class StoreEntry {
 public:
  explicit StoreEntry(Store* store) : store_(store), state_(ThreadState()), saved_(state_) {
    Store* const outer = static_cast<Store*>(saved_.store);
    if (outer != store) {
      // A store's fuel lives in the thread state while its code runs here.
      if (outer != nullptr && outer->fuel_metered_)
        outer->fuel_.store(state_.fuel, std::memory_order_relaxed);
      state_.fuel = store->fuel_metered_ ? store->fuel_.load(std::memory_order_relaxed)
                                         : INT64_MAX;
      state_.store = store;
    }
    state_.epoch = store->interrupt_->counter();
    state_.epoch_deadline = 1;
    // The thread's own limit, the store's cap from here, and a nested call stays within
    // what the call it is nested in had.
    uintptr_t limit = ThreadStackLimit();
    if (const uint64_t max = store->max_stack_bytes_; max != 0) {
      const auto sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
      if (sp > max && sp - max > limit) limit = sp - max;
    }
    if (saved_.store != nullptr) limit = std::max(limit, saved_.stack_limit);
    state_.stack_limit = limit;
  }
  ~StoreEntry() {
    const int64_t fuel = state_.fuel;
    Store* const outer = static_cast<Store*>(saved_.store);
    state_ = saved_;
    if (outer != store_) {
      if (store_->fuel_metered_) store_->fuel_.store(fuel, std::memory_order_relaxed);
      if (outer != nullptr && outer->fuel_metered_)
        state_.fuel = outer->fuel_.load(std::memory_order_relaxed);
    } else {
      state_.fuel = fuel;
    }
  }
  StoreEntry(const StoreEntry&) = delete;
  StoreEntry& operator=(const StoreEntry&) = delete;

 private:
  Store* const store_;
  kiln_thread_state& state_;
  const kiln_thread_state saved_;
};

void PrepareThreadForWasm() { PrepareThread(); }

absl::StatusOr<CallResult> Call(const Extern& func, std::span<const kiln_val> args) {
  if (func.kind != ExternKind::kFunc) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot call a ", ExternKindName(func.kind), ": not a function"));
  }
  const FuncType& type = TypeRegistry::Lookup(func.func_type_id);
  if (args.size() != type.params.size()) {
    return absl::InvalidArgumentError(absl::StrCat("function ", type.ToString(), " takes ",
                                                   type.params.size(), " arguments, got ",
                                                   args.size()));
  }
  absl::InlinedVector<kiln_val, 8> values(
      std::max<size_t>({type.params.size(), type.results.size(), 1}));
  std::copy(args.begin(), args.end(), values.begin());
  CallResult result;

  if (func.funcref == nullptr) {
    if (!func.host_function) return absl::InvalidArgumentError("empty function extern");
    HostCall call;
    call.type = &func.host_function->type();
    call.values = values.data();
    try {
      func.host_function->Invoke(call);
    } catch (const std::exception& e) {
      call.Trap(KILN_TRAP_HOST, std::string("host function threw: ") + e.what());
    } catch (...) {
      call.Trap(KILN_TRAP_HOST, "host function threw an exception");
    }
    if (call.trap_code != KILN_TRAP_NONE || call.exception != nullptr) {
      TrapRecord record;
      record.code = call.trap_code;
      record.exit_code = call.exit_code;
      record.message = std::move(call.trap_message);
      if (call.trap_code == KILN_TRAP_NONE) {  // rethrown with no Wasm caller: uncaught
        record.code = KILN_TRAP_UNCAUGHT_EXCEPTION;
        record.exception = call.exception;
      }
      result.trap = MakeTrap(record);
      return result;
    }
  } else {
    if (func.array_to_native == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("the artifact has no entry trampoline for ", type.ToString()));
    }
    PrepareThread();
    // The entered code's store sets the limits of everything this call runs.
    std::optional<StoreEntry> entry;
    if (func.callee_instance != nullptr) entry.emplace(func.callee_instance->store().get());
    WasmCall call{reinterpret_cast<ArrayToNative>(func.array_to_native), func.funcref,
                  values.data()};
    TrapRecord record;
    // Interruptible by signal while it runs (see InterruptHandle).
    InterruptHandle* const handle =
        func.callee_instance ? func.callee_instance->interrupt_handle().get() : nullptr;
    if (handle != nullptr) handle->Enter();
    struct Leave {
      InterruptHandle* h;
      ~Leave() {
        if (h != nullptr) h->Leave();
      }
    } leave{handle};
    if (handle != nullptr && handle->interrupted()) {
      record.code = KILN_TRAP_INTERRUPTED;
      result.trap = MakeTrap(record);
      return result;
    }
    if (!RunGuarded(RunWasmCall, &call, &record, handle ? handle->counter() : nullptr)) {
      result.trap = MakeTrap(record);
      return result;
    }
  }
  result.results.assign(values.begin(), values.begin() + type.results.size());
  return result;
}

}  // namespace kiln
