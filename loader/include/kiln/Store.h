// Stores and interruption. A store is one tenant's execution context: the fuel, stack cap
// and interrupt handle its instances' code runs under. Instances belong to one store; a
// store may hold any number of them.
//
// The limits follow the call, not the code: while the host calls a function of a store's
// instance, everything that runs on that thread (including the code of instances of other
// stores it calls through imports) is charged to that store's fuel, stops when that store
// is interrupted and uses that store's stack cap on the calling thread's own stack. A host
// function that calls into Wasm again starts a nested call under the callee's store, within
// the stack the outer call had left; when it returns, the outer call's limits are back.
//
// Threads: a store with fuel is used by one thread at a time (its fuel is a single
// account); a store without fuel may run on several threads at once. Interrupt handles
// may be used from any thread.
#ifndef KILN_LOADER_STORE_H
#define KILN_LOADER_STORE_H

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace kiln {

// Stops running Wasm code from any thread: after Interrupt(), every call running under a
// store with this handle (and every call nested in one) traps "interrupted". Threads
// running Wasm code under the handle (kiln::Call registers them) get the interrupt signal
// (kInterruptSignal), whose handler unwinds them wherever they are in Wasm code, so
// compiled code needs no checks; a thread that was in host code at that moment is
// signalled again every millisecond until it has left Wasm. Artifacts compiled with
// `kilnc --epoch-checks` also poll the counter at every function entry and loop header.
// Reset() lets the handle's stores run again.
class InterruptHandle : public std::enable_shared_from_this<InterruptHandle> {
 public:
  void Interrupt();
  void Reset() { epoch_.store(0, std::memory_order_relaxed); }
  bool interrupted() const { return epoch_.load(std::memory_order_relaxed) != 0; }
  // What generated code reads (the thread state's epoch); the deadline it compares with
  // is 1.
  const volatile uint64_t* counter() const {
    return reinterpret_cast<const volatile uint64_t*>(&epoch_);
  }

  // The calling thread runs Wasm code under this handle until the matching Leave()
  // (nested calls nest). Used by kiln::Call.
  void Enter();
  void Leave();
  // Signals every registered thread once; false if none is registered (tests, resender).
  bool SignalThreads();

 private:
  std::atomic<uint64_t> epoch_{0};
  static_assert(sizeof(std::atomic<uint64_t>) == sizeof(uint64_t));
  std::mutex mu_;
  std::vector<unsigned long> threads_;  // pthread_t of each entered call
};

// Starts the background thread that re-signals interrupted threads (otherwise started by
// the first Interrupt() that needs it). Call it before restricting the process (seccomp,
// as `kiln run --isolate` does) so that no thread has to be created afterwards.
void StartInterruptResender();

struct StoreOptions {
  // Fuel: this many Wasm instructions may run under the store, then its call traps "all
  // fuel consumed". Its instances' artifacts must have been compiled with `kilnc --fuel`
  // (instantiation fails otherwise). Unset: no limit.
  std::optional<int64_t> fuel;
  // Native stack a call from the host may use (0: what the thread has, less a safety
  // margin). Deeper recursion traps "call stack exhausted".
  uint64_t max_stack_bytes = 0;
  // Shared with whoever may interrupt the store (a timer, another thread); when null the
  // store has a handle of its own.
  std::shared_ptr<InterruptHandle> interrupt;
};

class Store {
 public:
  static std::shared_ptr<Store> Create(StoreOptions options = {});
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::shared_ptr<InterruptHandle>& interrupt_handle() const { return interrupt_; }
  uint64_t max_stack_bytes() const { return max_stack_bytes_; }
  // Takes effect for calls from the host made after it.
  void set_max_stack_bytes(uint64_t bytes) { max_stack_bytes_ = bytes; }
  // Whether fuel is metered (StoreOptions::fuel was set).
  bool fuel_metered() const { return fuel_metered_; }
  // Fuel left; also right while this thread runs the store's code (from a host function).
  int64_t fuel() const;
  // Sets the fuel left (a store without metering then meters it).
  void SetFuel(int64_t fuel);

 private:
  Store() = default;
  friend class StoreEntry;
  std::shared_ptr<InterruptHandle> interrupt_;
  uint64_t max_stack_bytes_ = 0;
  bool fuel_metered_ = false;
  std::atomic<int64_t> fuel_{INT64_MAX};
};

}  // namespace kiln

#endif  // KILN_LOADER_STORE_H
