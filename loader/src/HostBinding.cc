#include "HostBinding.h"

#include <exception>
#include <string>

#include "TrapHandler.h"

namespace kiln {
namespace {

// Runs the host callback; returns the requested trap code (KILN_TRAP_NONE if none), or sets
// *exn to an exception to rethrow. All C++ objects of the call are local to this function,
// so they are destroyed when it returns, before the caller unwinds. Inlined: one frame
// less to return through after a host function's system call (see DirectHostCallback).
[[gnu::always_inline]] inline uint32_t InvokeHost(HostBinding* binding, kiln_val* values,
                                              kiln_exception** exn) {
  HostCall call;
  call.caller = binding->importer;
  call.type = &binding->function->type();
  call.values = values;
  try {
    binding->function->Invoke(call);
  } catch (const std::exception& e) {
    call.Trap(KILN_TRAP_HOST, std::string("host function threw: ") + e.what());
  } catch (...) {
    call.Trap(KILN_TRAP_HOST, "host function threw an exception");
  }
  if (call.trap_code == KILN_TRAP_NONE) {
    *exn = call.exception;
    return KILN_TRAP_NONE;
  }
  SetPendingTrapDetails(std::move(call.trap_message), call.exit_code);
  return call.trap_code;
}

}  // namespace

void HostBindingEntry(kiln_host_func* self, kiln_val* values) {
  kiln_exception* exn = nullptr;
  const uint32_t code = InvokeHost(static_cast<HostBinding*>(self->env), values, &exn);
  if (code != KILN_TRAP_NONE) RaiseTrap(code, 0);
  // No C++ object of the host call is alive here, so unwinding over this frame is safe.
  if (exn != nullptr) ThrowException(exn, 0);
  PollInterrupt(0);
}

}  // namespace kiln
