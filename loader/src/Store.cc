#include "kiln/Store.h"

#include "TrapHandler.h"

namespace kiln {

std::shared_ptr<Store> Store::Create(StoreOptions options) {
  std::shared_ptr<Store> store(new Store);
  store->interrupt_ =
      options.interrupt ? std::move(options.interrupt) : std::make_shared<InterruptHandle>();
  store->max_stack_bytes_ = options.max_stack_bytes;
  if (options.fuel.has_value()) {
    store->fuel_metered_ = true;
    store->fuel_.store(*options.fuel, std::memory_order_relaxed);
  }
  return store;
}

int64_t Store::fuel() const {
  // While this thread runs the store's code, its fuel lives in the thread state.
  const kiln_thread_state& ts = ThreadState();
  if (ts.store == this) return ts.fuel;
  return fuel_.load(std::memory_order_relaxed);
}

void Store::SetFuel(int64_t fuel) {
  fuel_metered_ = true;
  kiln_thread_state& ts = ThreadState();
  if (ts.store == this) ts.fuel = fuel;
  fuel_.store(fuel, std::memory_order_relaxed);
}

}  // namespace kiln
