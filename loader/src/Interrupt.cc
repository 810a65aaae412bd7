// Asynchronous interruption: InterruptHandle signals the threads running Wasm code under
// it; TrapHandler's interrupt handler unwinds a thread whose PC is in Wasm code. A thread
// in host code at that moment (a host function, a builtin) is signalled again by a
// background thread every millisecond until it has left Wasm.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <thread>

#include "TrapHandler.h"
#include "kiln/Instance.h"

namespace kiln {
namespace {

class Resender {
 public:
  void Add(std::weak_ptr<InterruptHandle> handle) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(std::move(handle));
    StartLocked();
    cv_.notify_one();
  }
  void Start() {
    std::lock_guard<std::mutex> lock(mu_);
    StartLocked();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return !pending_.empty(); });
      std::vector<std::weak_ptr<InterruptHandle>> work;
      work.swap(pending_);
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      std::vector<std::weak_ptr<InterruptHandle>> again;
      for (std::weak_ptr<InterruptHandle>& w : work) {
        std::shared_ptr<InterruptHandle> h = w.lock();
        if (h && h->interrupted() && h->SignalThreads()) again.push_back(std::move(w));
      }
      lock.lock();
      for (auto& w : again) pending_.push_back(std::move(w));
    }
  }

  void StartLocked() {
    if (started_) return;
    started_ = true;
    std::thread([this] { Loop(); }).detach();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::weak_ptr<InterruptHandle>> pending_;
  bool started_ = false;
};

Resender& TheResender() {
  static Resender* r = new Resender;  // its thread runs for the life of the process
  return *r;
}

}  // namespace

void StartInterruptResender() { TheResender().Start(); }

void InterruptHandle::Interrupt() {
  // Once is enough: the resender keeps signalling until the threads have left (a second
  // Interrupt would queue the handle for it again).
  if (epoch_.exchange(1, std::memory_order_relaxed) != 0) return;
  if (SignalThreads()) {
    std::weak_ptr<InterruptHandle> self = weak_from_this();
    if (!self.expired()) TheResender().Add(std::move(self));
  }
}

void InterruptHandle::Enter() {
  PrepareThread();  // the interrupt handler is installed before any signal can come
  std::lock_guard<std::mutex> lock(mu_);
  threads_.push_back(static_cast<unsigned long>(pthread_self()));
}

void InterruptHandle::Leave() {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find(threads_.begin(), threads_.end(),
                      static_cast<unsigned long>(pthread_self()));
  if (it != threads_.end()) threads_.erase(it);
}

bool InterruptHandle::SignalThreads() {
  std::lock_guard<std::mutex> lock(mu_);
  // Under the lock: a registered thread cannot leave (and exit) while it is signalled.
  for (unsigned long t : threads_) pthread_kill(static_cast<pthread_t>(t), InterruptSignal());
  return !threads_.empty();
}

}  // namespace kiln
