#include "kiln/serve/Server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <iterator>
#include <list>
#include <map>
#include <mutex>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kiln/Artifact.h"
#include "kiln/Call.h"
#include "kiln/GuardedMemory.h"
#include "kiln/ImportPolicy.h"
#include "kiln/Instance.h"
#include "kiln/Signature.h"
#include "kiln/Store.h"
#include "kiln/Trap.h"
#include "kiln/wasi/WasiModule.h"

namespace kiln::serve {
namespace {

using Clock = std::chrono::steady_clock;

// Watches every running handler: interrupts it at its deadline; asks a handler that keeps
// an event loop busy to move off it; demotes an offloaded handler that keeps a core busy.
// Each thread that runs handlers has a slot, registered once; starting and finishing a
// request only sets its slot's fields under the slot's own (uncontended) lock. One thread scans the slots every kTick while
// handlers run, and sleeps while none does: a request costs no wakeup and no shared lock
// (a wakeup per request would cost more than the request itself).
class Watchdog {
 public:
  static constexpr auto kTick = std::chrono::milliseconds(2);
  static constexpr auto kTrimAfter = std::chrono::milliseconds(200);
  // Busy: a handler that used more than this much CPU time in one tick. A busy handler
  // on an event loop is moved to an offload thread (so within 2-4 ms); a busy offloaded
  // one is demoted to SCHED_IDLE.
  static constexpr int64_t kBusyCpuNs = 1'000'000;

  enum class Mode { kOnLoop, kOffloaded };

  struct Slot {
    std::mutex mu;
    pid_t tid = 0;
    clockid_t cpu_clock{};
    bool has_clock = false;
    bool active = false;
    Mode mode = Mode::kOnLoop;
    bool demoted = false;
    bool migrate = false;  // asked to move off its event loop (interrupted for that)
    Clock::time_point deadline;
    Clock::time_point busy_check_at;  // its CPU time is first sampled then
    InterruptHandle* interrupt = nullptr;  // valid while active
    int64_t cpu_seen_ns = -1;
  };
  struct Outcome {
    bool demoted = false;
    bool migrate = false;
  };

  Watchdog() = default;
  void Start() { thread_ = std::thread([this] { Loop(); }); }
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // The calling thread's slot (registered on first use, unregistered when it exits).
  Slot& ThisThread() {
    struct Registration {
      Watchdog* owner = nullptr;
      std::shared_ptr<Slot> slot;
      ~Registration() {
        if (owner != nullptr) owner->Unregister(slot.get());
      }
    };
    thread_local Registration r;
    if (r.owner != this) {
      if (r.owner != nullptr) r.owner->Unregister(r.slot.get());
      r.slot = std::make_shared<Slot>();
      r.slot->tid = static_cast<pid_t>(gettid());
      r.slot->has_clock = pthread_getcpuclockid(pthread_self(), &r.slot->cpu_clock) == 0;
      r.owner = this;
      std::lock_guard<std::mutex> lock(mu_);
      slots_.push_back(r.slot);
    }
    return *r.slot;
  }

  void Begin(Slot& slot, InterruptHandle* interrupt, Clock::time_point deadline, Mode mode) {
    {
      std::lock_guard<std::mutex> lock(slot.mu);
      slot.active = true;
      slot.interrupt = interrupt;
      slot.deadline = deadline;
      slot.mode = mode;
      // A request that is done within a tick (nearly all) costs the watchdog nothing.
      slot.busy_check_at = Clock::now() + kTick / 2;
      slot.demoted = false;
      slot.migrate = false;
      slot.cpu_seen_ns = -1;
    }
    running_.fetch_add(1, std::memory_order_seq_cst);
    begun_.fetch_add(1, std::memory_order_relaxed);
    if (idle_.load(std::memory_order_seq_cst)) {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_all();
    }
  }
  Outcome End(Slot& slot) {
    running_.fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(slot.mu);
    slot.active = false;
    slot.interrupt = nullptr;
    return {slot.demoted, slot.migrate};
  }
  // Interrupts every running handler (shutdown, after the drain period).
  void InterruptAll() {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::shared_ptr<Slot>& s : slots_) {
      std::lock_guard<std::mutex> slot_lock(s->mu);
      if (s->active && s->interrupt != nullptr) {
        s->interrupt->Interrupt();
        s->interrupt = nullptr;
      }
    }
  }

 private:
  void Unregister(Slot* slot) {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(slots_, [&](const std::shared_ptr<Slot>& s) { return s.get() == slot; });
  }

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      const Clock::time_point now = Clock::now();
      bool any = false;
      for (const std::shared_ptr<Slot>& s : slots_) {
        std::lock_guard<std::mutex> slot_lock(s->mu);
        if (!s->active) continue;
        any = true;
        if (now >= s->deadline && s->interrupt != nullptr) {
          s->interrupt->Interrupt();
          s->interrupt = nullptr;  // once
        }
        if (!s->has_clock || s->demoted || s->migrate || now < s->busy_check_at) continue;
        // Busy: it used most of a tick's CPU time (a handler that merely waited for a
        // core, the machine being loaded, is left alone).
        timespec ts{};
        if (clock_gettime(s->cpu_clock, &ts) != 0) continue;
        const int64_t cpu = ts.tv_sec * int64_t{1'000'000'000} + ts.tv_nsec;
        if (s->cpu_seen_ns >= 0 && cpu - s->cpu_seen_ns >= kBusyCpuNs) {
          if (s->mode == Mode::kOnLoop) {
            // Its loop's other connections wait: stop it here, it runs again offloaded.
            if (s->interrupt != nullptr) {
              s->migrate = true;
              s->interrupt->Interrupt();
              s->interrupt = nullptr;
            }
          } else {
            sched_param idle{};
            s->demoted = sched_setscheduler(s->tid, SCHED_IDLE, &idle) == 0;
          }
        }
        s->cpu_seen_ns = cpu;
      }
      // While requests keep coming, tick on even when none runs at this instant: going to
      // sleep would make the next request's Begin take mu_ and wake this thread.
      const uint64_t begun = begun_.load(std::memory_order_relaxed);
      if (any || begun != begun_at_last_tick_) {
        begun_at_last_tick_ = begun;
        cv_.wait_for(lock, kTick);
        continue;
      }
      // Nothing runs nor began for a tick: sleep until a request begins. Either Begin sees
      // idle_ (and wakes this thread, under mu_ so the wakeup is not lost) or this thread
      // sees running_. After kTrimAfter of idleness, memory kept for the next requests is
      // given back (pages pooled memories keep resident, free heap), so an idle server's
      // RSS returns to where it started.
      idle_.store(true, std::memory_order_seq_cst);
      if (running_.load(std::memory_order_seq_cst) == 0) {
        const uint64_t begun_now = begun_.load(std::memory_order_relaxed);
        if (begun_now != trimmed_at_ &&
            cv_.wait_for(lock, kTrimAfter) == std::cv_status::timeout &&
            running_.load(std::memory_order_seq_cst) == 0 &&
            begun_.load(std::memory_order_relaxed) == begun_now) {
          GuardedMemory::ReleasePooledPages();
          malloc_trim(0);
          trimmed_at_ = begun_now;
        }
        if (begun_.load(std::memory_order_relaxed) == trimmed_at_ &&
            running_.load(std::memory_order_seq_cst) == 0)
          cv_.wait(lock);
      }
      idle_.store(false, std::memory_order_relaxed);
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<bool> idle_{false};
  std::atomic<int> running_{0};
  std::atomic<uint64_t> begun_{0};  // requests begun so far
  uint64_t trimmed_at_ = 0;          // begun_ at the last trim (nothing before the first)
  uint64_t begun_at_last_tick_ = 0;
  std::vector<std::shared_ptr<Slot>> slots_;
  std::thread thread_;
};

// Threads for handlers that must not run on an event loop: those of routes that may not
// run twice (a read-write pre-open) and those moved off a loop for running long. A job
// gets an idle thread or a new one (so a slow handler never delays another); a thread
// idle for kIdleExit ends. A thread whose handler was demoted and may not be promoted
// back (unprivileged) ends after its job, so no thread stays demoted.
class OffloadPool {
 public:
  static constexpr auto kIdleExit = std::chrono::seconds(1);
  static constexpr size_t kMaxThreads = 1024;

  ~OffloadPool() { Stop(); }

  // False if no thread could take the job.
  bool Submit(std::function<void()> job) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return false;
    JoinFinished();
    jobs_.push_back(std::move(job));
    if (idle_ >= jobs_.size()) {
      cv_.notify_one();
      return true;
    }
    if (threads_.size() >= kMaxThreads) {
      jobs_.pop_back();
      return false;
    }
    try {
      threads_.emplace_back([this] { Run(); });
    } catch (const std::system_error&) {
      jobs_.pop_back();
      return false;
    }
    return true;
  }

  // Runs the queued jobs, then joins every thread.
  void Stop() {
    std::unique_lock<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
    std::list<std::thread> threads = std::move(threads_);
    lock.unlock();
    for (std::thread& t : threads)
      if (t.joinable()) t.join();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (jobs_.empty()) {
        if (stop_) return;
        ++idle_;
        const bool woken = cv_.wait_for(lock, kIdleExit, [&] { return stop_ || !jobs_.empty(); });
        --idle_;
        if (!woken) break;  // idle for kIdleExit
        continue;
      }
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      const bool normal = sched_getscheduler(0) == SCHED_OTHER;
      lock.lock();
      if (!normal) break;
    }
    finished_.push_back(std::this_thread::get_id());
  }

  // Joins the threads that ended (under mu_; they no longer take it).
  void JoinFinished() {
    for (std::thread::id id : finished_) {
      for (auto it = threads_.begin(); it != threads_.end(); ++it) {
        if (it->get_id() != id) continue;
        it->join();
        threads_.erase(it);
        break;
      }
    }
    finished_.clear();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  size_t idle_ = 0;
  std::deque<std::function<void()>> jobs_;
  std::list<std::thread> threads_;
  std::vector<std::thread::id> finished_;
};

// What the metrics listener reports (Prometheus text format). Each route label has its
// counters in atomics, found once per route (Route::metrics): recording a request takes
// no lock (a lock shared by the event loops was contended on every request).
class Metrics {
 public:
  static constexpr double kBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,    0.25,  0.5,    1,     2.5,   5,    10};
  struct PerRoute {
    std::atomic<uint64_t> statuses[600] = {};  // by HTTP status (100-599; others at 0)
    std::atomic<uint64_t> buckets[std::size(kBuckets)] = {};
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_ns{0};
    std::atomic<uint64_t> traps{0};
    std::atomic<uint64_t> deadlines{0};
    std::atomic<uint64_t> demoted{0};
  };

  // The counters of `route` (made on first use; they live as long as the server).
  PerRoute* For(const std::string& route) {
    std::lock_guard<std::mutex> lock(mu_);
    std::unique_ptr<PerRoute>& r = routes_[route];
    if (r == nullptr) r = std::make_unique<PerRoute>();
    return r.get();
  }

  static void Record(PerRoute* r, int status, std::chrono::nanoseconds took, bool trap,
                     bool deadline, bool demoted) {
    constexpr auto kRelaxed = std::memory_order_relaxed;
    r->statuses[status >= 100 && status < 600 ? status : 0].fetch_add(1, kRelaxed);
    const double seconds = std::chrono::duration<double>(took).count();
    for (size_t i = 0; i < std::size(kBuckets); ++i)
      if (seconds <= kBuckets[i]) r->buckets[i].fetch_add(1, kRelaxed);
    r->count.fetch_add(1, kRelaxed);
    r->sum_ns.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, took.count())), kRelaxed);
    if (trap) r->traps.fetch_add(1, kRelaxed);
    if (deadline) r->deadlines.fetch_add(1, kRelaxed);
    if (demoted) r->demoted.fetch_add(1, kRelaxed);
  }

  std::string Render(int live) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    absl::StrAppend(&out, "# HELP kiln_serve_requests_total Requests answered, by route and status.\n",
                    "# TYPE kiln_serve_requests_total counter\n");
    for (const auto& [route, r] : routes_) {
      const std::string l = Label(route);
      for (int status = 0; status < 600; ++status) {
        const uint64_t n = r->statuses[status].load();
        if (n != 0)
          absl::StrAppend(&out, "kiln_serve_requests_total{route=\"", l, "\",status=\"", status,
                          "\"} ", n, "\n");
      }
    }
    absl::StrAppend(&out, "# HELP kiln_serve_request_duration_seconds Time from the request "
                          "line to the response, by route.\n",
                    "# TYPE kiln_serve_request_duration_seconds histogram\n");
    for (const auto& [route, r] : routes_) {
      const std::string l = Label(route);
      for (size_t i = 0; i < std::size(kBuckets); ++i)
        absl::StrAppend(&out, "kiln_serve_request_duration_seconds_bucket{route=\"", l, "\",le=\"",
                        kBuckets[i], "\"} ", r->buckets[i].load(), "\n");
      absl::StrAppend(&out, "kiln_serve_request_duration_seconds_bucket{route=\"", l,
                      "\",le=\"+Inf\"} ", r->count.load(), "\n",
                      "kiln_serve_request_duration_seconds_sum{route=\"", l, "\"} ",
                      r->sum_ns.load() / 1e9, "\n",
                      "kiln_serve_request_duration_seconds_count{route=\"", l, "\"} ",
                      r->count.load(), "\n");
    }
    absl::StrAppend(&out, "# HELP kiln_serve_traps_total Handlers that trapped or exited non-zero.\n",
                    "# TYPE kiln_serve_traps_total counter\n");
    for (const auto& [route, r] : routes_)
      absl::StrAppend(&out, "kiln_serve_traps_total{route=\"", Label(route), "\"} ", r->traps.load(),
                      "\n");
    absl::StrAppend(&out, "# HELP kiln_serve_deadlines_total Handlers stopped at their timeout.\n",
                    "# TYPE kiln_serve_deadlines_total counter\n");
    for (const auto& [route, r] : routes_)
      absl::StrAppend(&out, "kiln_serve_deadlines_total{route=\"", Label(route), "\"} ",
                      r->deadlines.load(), "\n");
    absl::StrAppend(&out, "# HELP kiln_serve_demoted_total Handlers moved to idle priority "
                          "for keeping a core busy.\n",
                    "# TYPE kiln_serve_demoted_total counter\n");
    for (const auto& [route, r] : routes_)
      absl::StrAppend(&out, "kiln_serve_demoted_total{route=\"", Label(route), "\"} ",
                      r->demoted.load(), "\n");
    absl::StrAppend(&out, "# HELP kiln_serve_live_instances Instances running a request now.\n",
                    "# TYPE kiln_serve_live_instances gauge\n", "kiln_serve_live_instances ",
                    live, "\n");
    return out;
  }

 private:
  static std::string Label(const std::string& v) {
    std::string out;
    for (char c : v) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    return out;
  }
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<PerRoute>> routes_;
};

struct Route {
  const RouteConfig* config = nullptr;
  std::shared_ptr<const Artifact> artifact;
  ImportPolicy policy;
  // The artifact's function imports resolved once (by import index in the function index
  // space) against the shared WASI module, whose functions find each request's WASI
  // context through the instance: a request sets up no host functions. Unresolved ones
  // stay empty and fail instantiation as unknown imports.
  std::vector<std::optional<Extern>> funcs;
  // A handler with a read-write pre-open may change files: it never runs twice, so it is
  // never started on an event loop (where it would be stopped and run again offloaded).
  bool replayable = true;
  // Every import of the artifact passes the route's policy (then a request does not check).
  bool imports_approved = false;
  // Until when (steady clock, ns) its handlers start offloaded: one of them recently ran
  // long on an event loop.
  mutable std::atomic<int64_t> offload_until_ns{0};
  mutable std::atomic<Metrics::PerRoute*> metrics{nullptr};  // its counters, once known
};

// One version of the configuration: its routes, artifacts loaded and verified. A reload
// makes a new one; a request keeps the one it started with until it is answered.
struct Generation {
  ServeConfig config;
  std::vector<std::unique_ptr<Route>> routes;

  const Route* Match(std::string_view path, std::string* path_info) const {
    const RouteConfig* rc = config.Match(path, path_info);
    for (const auto& r : routes)
      if (r->config == rc) return r.get();
    return nullptr;
  }
};

// Loads and verifies every route's artifact; errors name the route.
absl::StatusOr<std::shared_ptr<const Generation>> LoadGeneration(ServeConfig config) {
  auto gen = std::make_shared<Generation>();
  gen->config = std::move(config);
  for (const RouteConfig& rc : gen->config.routes) {
    auto route = std::make_unique<Route>();
    route->config = &rc;
    const std::string where = absl::StrCat("route \"", rc.pattern.pattern(), "\"");
    LoadOptions load;
    if (!rc.require_signature.empty()) {
      absl::StatusOr<PublicKey> key = ReadPublicKeyFile(rc.require_signature);
      if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", key.status().message()));
      load.required_signer = *key;
    }
    absl::StatusOr<std::shared_ptr<const Artifact>> a = Artifact::LoadFile(rc.artifact, load);
    if (!a.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", a.status().message()));
    route->artifact = *a;
    route->replayable = rc.dirs.empty();
    const kiln_module_desc& d = (*a)->desc();
    for (uint32_t i = 0; i < d.num_imports; ++i) {
      if (d.imports[i].kind != KILN_EXTERN_FUNC) continue;
      ImportRequest req;
      req.module = (*a)->import_module(i);
      req.name = (*a)->import_name(i);
      req.kind = ExternKind::kFunc;
      req.index = d.imports[i].index;
      req.func_type = &(*a)->func_type(req.index);
      if (route->funcs.size() <= req.index) route->funcs.resize(req.index + 1);
      route->funcs[req.index] = wasi::WasiModule::Shared()->Resolve(req);
    }
    route->policy.Approve(wasi::kModuleName, "*");
    route->policy.Approve(wasi::kSandboxModuleName, "*");
    for (const auto& [list, approve] :
         {std::pair{&rc.allow_imports, true}, std::pair{&rc.deny_imports, false}}) {
      bool first = true;
      for (const std::string& spec : *list) {
        auto name = ImportPolicy::ParseName(spec);
        if (!name.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", name.status().message()));
        if (approve) {
          if (first) route->policy.ClearApproved();
          route->policy.Approve(name->first, name->second);
        } else {
          route->policy.Deny(name->first, name->second);
        }
        first = false;
      }
    }
    route->imports_approved = true;
    for (uint32_t i = 0; i < d.num_imports; ++i) {
      if (route->policy.Check((*a)->import_module(i), (*a)->import_name(i)).has_value())
        route->imports_approved = false;
    }
    gen->routes.push_back(std::move(route));
  }
  return std::shared_ptr<const Generation>(std::move(gen));
}

// One request, from its URI to the response.
struct Exchange {
  std::string uri;  // as sent, before any decoding
  std::string body;
  bool started = false;
  bool too_large = false;
  bool demoted = false;  // its handler was moved to idle priority
  std::shared_ptr<const Generation> gen;  // the configuration it is served by
  const Route* route = nullptr;
  std::string path_info;
  Clock::time_point start;
  std::string reply_body;  // the response body libmicrohttpd sends
  bool counted = false;    // in Server::Impl::in_flight until completed
  // An offloaded handler's result, kept until libmicrohttpd resumes the connection.
  bool answered = false;
  std::atomic<bool> suspended{false};
  Request request;
  Response response;
  std::string problem;
  std::chrono::nanoseconds wasm_time{0};
  bool trapped = false;
};

std::string StatusText(int status) {
  switch (status) {
    case 404: return "not found\n";
    case 413: return "request body too large\n";
    case 500: return "internal server error\n";
    case 504: return "the handler ran out of time\n";
    default: return "";
  }
}

}  // namespace

struct Server::Impl {
  ServeConfig config;  // the first one: listen address, workers, logs
  std::mutex gen_mu;
  std::shared_ptr<const Generation> gen;
  Metrics metrics;
  Metrics::PerRoute* no_route_metrics = metrics.For("-");
  MHD_Daemon* metrics_daemon = nullptr;
  std::string address;
  std::string metrics_address;
  ServerInfo info;
  MHD_Daemon* daemon = nullptr;
  Watchdog watchdog;
  OffloadPool offload;  // declared after the watchdog: its jobs use it
  bool restricted = false;
  bool quiesced = false;
  std::vector<int> listen_fds;  // the server's, then the metrics listener's
  std::atomic<int> in_flight{0};  // requests from their handler's start to their end
  std::atomic<int> live{0};       // handlers running
  std::mutex log_mu;
  FILE* access_log = nullptr;

  std::shared_ptr<const Generation> Current() {
    std::lock_guard<std::mutex> lock(gen_mu);
    return gen;
  }

  ~Impl() {
    // A listener whose daemon never started is still ours to close (a started daemon
    // closes its own, or gave it back in Shutdown).
    if (metrics_daemon != nullptr) {
      MHD_stop_daemon(metrics_daemon);
    } else if (listen_fds.size() > 1) {
      close(listen_fds[1]);
    }
    if (daemon != nullptr) {
      offload.Stop();  // offloaded handlers resume their connections first
      MHD_stop_daemon(daemon);
    } else if (!listen_fds.empty() && !quiesced) {
      close(listen_fds[0]);
    }
    if (access_log != nullptr && access_log != stderr) std::fclose(access_log);
  }

  void Log(const std::string& line) {
    std::lock_guard<std::mutex> lock(log_mu);
    std::fprintf(stderr, "kiln serve: %s\n", line.c_str());
  }


  // Runs the handler for `request`; the response, and what the log should say. On an
  // event loop (kOnLoop), a handler that runs long is stopped and *migrate set: nothing
  // was answered, the request is to run again offloaded.
  Response Handle(const Route& route, const Request& request, const Exchange& ex,
                  Watchdog::Mode mode, std::string* problem, std::chrono::nanoseconds* wasm_time,
                  bool* trapped, bool* demoted, bool* migrate);
  // Runs the request's handler on an offload thread; the connection is suspended until
  // it is answered. False if that was not possible (then nothing was suspended).
  bool Offload(MHD_Connection* conn, Exchange* ex);

  // Queues `response`; its body moves into `ex` (libmicrohttpd sends it from there).
  MHD_Result Reply(MHD_Connection* conn, Exchange* ex, const Request* request,
                   Response& response, const std::string& problem,
                   std::chrono::nanoseconds wasm_time, bool trapped = false);
};

Response Server::Impl::Handle(const Route& route, const Request& request, const Exchange& ex,
                              Watchdog::Mode mode, std::string* problem,
                              std::chrono::nanoseconds* wasm_time, bool* trapped,
                              bool* demoted_out, bool* migrate) {
  const RouteConfig& rc = *route.config;
  const Limits& limits = rc.limits;
  ++live;
  auto not_live = absl::MakeCleanup([this] { --live; });
  // Made only when needed (most requests succeed).
  auto fail = [](int status = 500) {
    Response r;
    r.status = status;
    r.headers = {{"Content-Type", "text/plain"}};
    r.body = StatusText(status);
    return r;
  };

  const uint64_t max_response = limits.max_response_bytes.value_or(uint64_t{16} << 20);
  // stdio in memory: the body in, the response and at most 64 KiB of stderr out.
  auto out = std::make_shared<wasi::MemoryOutput>();
  out->cap = max_response;
  auto err = std::make_shared<wasi::MemoryOutput>();
  err->cap = 64 * 1024;
  wasi::WasiConfig wc;
  wc.args = Arguments(request);
  EnvBlock env = EnvironmentBlock(request, rc.pattern, ex.path_info, info, rc.env);
  wc.env_block = std::move(env.block);
  wc.env_count = env.count;
  wc.stdin_bytes = std::make_shared<const std::string>(ex.body);
  wc.stdout_memory = out;
  wc.stderr_memory = err;
  wc.max_open_files = 64;
  auto context = std::make_shared<wasi::WasiContext>(std::move(wc));
  for (const auto& [list, read_only] : {std::pair{&rc.dirs, false}, std::pair{&rc.ro_dirs, true}}) {
    for (const auto& [guest, host] : *list) {
      if (absl::Status s = context->PreopenDirectory(host, guest, read_only); !s.ok()) {
        *problem = std::string(s.message());
        return fail();
      }
    }
  }
  InstanceOptions options;
  options.host_context = context.get();  // what the route's shared WASI functions use
  // Checked once at load where every import is approved (the usual case).
  if (!route.imports_approved) options.import_policy = &route.policy;
  if (limits.max_memory_bytes) options.max_memory_pages = *limits.max_memory_bytes / 65536;
  if (limits.fuel) options.fuel = static_cast<int64_t>(*limits.fuel);
  if (limits.max_stack_bytes) options.max_stack_bytes = *limits.max_stack_bytes;
  options.interrupt = std::make_shared<InterruptHandle>();
  const Clock::time_point began = Clock::now();
  // The watchdog interrupts the instance at the deadline, stops a handler that holds an
  // event loop too long (it runs again offloaded), and moves an offloaded handler that
  // keeps its core busy to SCHED_IDLE: loops until the timeout cannot slow good requests
  // down.
  Watchdog::Slot& slot = watchdog.ThisThread();
  const Clock::time_point deadline = ex.start + limits.timeout.value_or(std::chrono::seconds(10));
  watchdog.Begin(slot, options.interrupt.get(), deadline, mode);
  // On every way out: a demoted thread goes back to normal scheduling (where this process
  // may not do that, unprivileged, its offload thread ends after this job).
  bool ended = false;
  bool migrated = false;
  auto end = [&] {
    if (ended) return;
    ended = true;
    const Watchdog::Outcome outcome = watchdog.End(slot);
    migrated = outcome.migrate;
    if (!outcome.demoted) return;
    *demoted_out = true;
    sched_param normal{};
    sched_setscheduler(0, SCHED_OTHER, &normal);
  };
  auto end_on_return = absl::MakeCleanup(end);
  std::optional<Trap> trap;
  {
    // The route's functions were resolved once at load (the route outlives the request).
    options.resolved_funcs = &route.funcs;
    absl::StatusOr<std::shared_ptr<Instance>> instance =
        Instance::Instantiate(route.artifact, nullptr, options);
    if (!instance.ok()) {
      trap = TrapFromStatus(instance.status());
      if (!trap) {
        *problem = std::string(instance.status().message());
        return fail();
      }
    } else {
      std::optional<Extern> entry = (*instance)->GetExport(rc.entrypoint);
      if (!entry || entry->kind != ExternKind::kFunc) {
        *problem = absl::StrCat("the artifact exports no function '", rc.entrypoint, "'");
        return fail();
      }
      absl::StatusOr<CallResult> r = Call(*entry, {});
      if (!r.ok()) {
        *problem = std::string(r.status().message());
        return fail();
      }
      trap = r->trap;
    }
  }
  end();
  *wasm_time = Clock::now() - began;
  const std::string& err_text = err->data;
  if (trap && !(trap->is_exit() && trap->exit_code == 0)) {
    if (trap->code == KILN_TRAP_INTERRUPTED) {
      if (migrated && migrate != nullptr && Clock::now() < deadline) {
        *migrate = true;
        return fail();
      }
      *problem = "past its timeout";
      return fail(504);
    }
    *trapped = true;
    *problem = trap->is_exit() ? absl::StrCat("exited with code ", trap->exit_code)
                               : absl::StrCat("trap: ", trap->Describe());
    for (size_t i = 1; i < trap->frames.size() && i < 8; ++i)
      absl::StrAppend(problem, i == 1 ? "; called from " : ", ",
                      Trap::DescribeFrame(trap->frames[i]));
    if (!err_text.empty()) absl::StrAppend(problem, "; stderr: ", PrintableName(err_text.substr(0, 512)));
    return fail();
  }
  if (out->overflowed) {
    *problem = absl::StrCat("wrote more than max_response (", max_response, " bytes)");
    return fail();
  }
  const std::string& output = out->data;
  absl::StatusOr<Response> response = ParseResponse(output);
  if (!response.ok()) {
    *problem = std::string(response.status().message());
    return fail();
  }
  return *std::move(response);
}

namespace {

// libmicrohttpd's memory per connection: the request line and headers must fit (a request
// whose headers take more than about 12 KiB is answered 431), and it is cleared for every
// request, so its default (32 KiB) costs a visible part of a small request's time.
constexpr size_t kConnectionMemoryBytes = size_t{16} << 10;

// The Date header (RFC 9110 5.6.7), formatted once a second per thread rather than by
// libmicrohttpd for every response.
const char* HttpDate() {
  thread_local time_t made = -1;
  thread_local char text[40];
  const time_t now = time(nullptr);
  if (now != made) {
    tm parts{};
    gmtime_r(&now, &parts);
    if (strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts) == 0) text[0] = 0;
    made = now;
  }
  return text;
}

}  // namespace

MHD_Result Server::Impl::Reply(MHD_Connection* conn, Exchange* ex, const Request* request,
                               Response& response, const std::string& problem,
                               std::chrono::nanoseconds wasm_time, bool trapped) {
  // Sent from the exchange, which lives until libmicrohttpd reports the request complete:
  // no copy.
  const size_t body_size = response.body.size();
  ex->reply_body = std::move(response.body);
  MHD_Response* r = MHD_create_response_from_buffer(
      body_size, ex->reply_body.data(), MHD_RESPMEM_PERSISTENT);
  if (r == nullptr) return MHD_NO;
  bool dated = false;  // a handler may send its own
  for (const auto& [name, value] : response.headers) {
    MHD_add_response_header(r, name.c_str(), value.c_str());
    dated = dated || absl::EqualsIgnoreCase(name, MHD_HTTP_HEADER_DATE);
  }
  if (!dated) MHD_add_response_header(r, MHD_HTTP_HEADER_DATE, HttpDate());
  const MHD_Result queued = MHD_queue_response(conn, static_cast<unsigned>(response.status), r);
  MHD_destroy_response(r);
  const auto total = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - ex->start);
  static const std::string kNoRoute = "-";
  const std::string& route = ex->route != nullptr ? ex->route->config->pattern.pattern() : kNoRoute;
  Metrics::PerRoute* counters = no_route_metrics;
  if (ex->route != nullptr) {
    counters = ex->route->metrics.load(std::memory_order_acquire);
    if (counters == nullptr) {
      counters = metrics.For(route);  // the same counters for every generation's route
      ex->route->metrics.store(counters, std::memory_order_release);
    }
  }
  Metrics::Record(counters, response.status, total, trapped, response.status == 504, ex->demoted);
  if (!problem.empty())
    Log(absl::StrCat(route, ": ", request ? request->method : "", " ", PrintableName(ex->uri),
                     ": ", response.status, ": ", problem));
  if (access_log != nullptr) {
    std::lock_guard<std::mutex> lock(log_mu);
    std::fprintf(access_log, "%s \"%s %s %s\" %d %zu %.3fms wasm %.3fms %s\n",
                 request ? request->remote_addr.c_str() : "-",
                 request ? PrintableName(request->method).c_str() : "-",
                 PrintableName(ex->uri).c_str(), request ? request->protocol.c_str() : "-",
                 response.status, body_size, total.count() / 1000.0,
                 std::chrono::duration<double, std::milli>(wasm_time).count(), route.c_str());
    std::fflush(access_log);
  }
  return queued;
}

bool Server::Impl::Offload(MHD_Connection* conn, Exchange* ex) {
  ex->suspended.store(false, std::memory_order_relaxed);
  const bool submitted = offload.Submit([this, conn, ex] {
    ex->response = Handle(*ex->route, ex->request, *ex, Watchdog::Mode::kOffloaded, &ex->problem,
                          &ex->wasm_time, &ex->trapped, &ex->demoted, nullptr);
    ex->answered = true;
    // Not before the event loop has suspended the connection (it does right after
    // submitting; a handler takes longer than that, so this rarely waits).
    while (!ex->suspended.load(std::memory_order_acquire)) std::this_thread::yield();
    MHD_resume_connection(conn);  // libmicrohttpd calls OnRequest again: it replies
  });
  if (!submitted) return false;
  MHD_suspend_connection(conn);
  ex->suspended.store(true, std::memory_order_release);
  return true;
}

namespace {

// How long a route's handlers start offloaded after one of them held an event loop.
constexpr auto kOffloadRouteFor = std::chrono::seconds(1);

void* OnUri(void* cls, const char* uri, MHD_Connection*) {
  (void)cls;
  auto* ex = new Exchange;
  ex->uri = uri != nullptr ? uri : "";
  ex->start = Clock::now();
  return ex;
}

void OnCompleted(void* cls, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
  auto* ex = static_cast<Exchange*>(*con_cls);
  if (ex != nullptr && ex->counted) --static_cast<Server::Impl*>(cls)->in_flight;
  delete ex;
  *con_cls = nullptr;
}

// Keeps the path as sent: WAGI's handlers get both the raw and the decoded path.
size_t NoUnescape(void*, MHD_Connection*, char* s) { return std::strlen(s); }

MHD_Result CollectHeader(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(cls);
  headers->emplace_back(key != nullptr ? key : "", value != nullptr ? value : "");
  return MHD_YES;
}

std::string RemoteAddress(MHD_Connection* conn) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return "";
  const sockaddr* sa = info->client_addr;
  if (sa->sa_family == AF_INET) {  // formatted here: inet_ntop goes through printf
    const auto* b = reinterpret_cast<const uint8_t*>(
        &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr);
    return absl::StrCat(unsigned{b[0]}, ".", unsigned{b[1]}, ".", unsigned{b[2]}, ".",
                        unsigned{b[3]});
  }
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  return buf;
}

MHD_Result OnRequest(void* cls, MHD_Connection* conn, const char* url, const char* method,
                     const char* version, const char* upload_data, size_t* upload_data_size,
                     void** con_cls) {
  (void)url;
  auto* impl = static_cast<Server::Impl*>(cls);
  auto* ex = static_cast<Exchange*>(*con_cls);
  if (ex == nullptr) return MHD_NO;
  Response simple;
  simple.headers = {{"Content-Type", "text/plain"}};
  Request request;
  request.method = method != nullptr ? method : "";
  request.protocol = version != nullptr ? version : "HTTP/1.1";
  if (!ex->started) {
    ex->started = true;
    const std::string path = ex->uri.substr(0, ex->uri.find('?'));
    ex->gen = impl->Current();
    ex->route = ex->gen->Match(path, &ex->path_info);
    if (ex->route == nullptr) {
      simple.status = 404;
      simple.body = StatusText(404);
      request.remote_addr = RemoteAddress(conn);
      return impl->Reply(conn, ex, &request, simple, "", {});
    }
    const char* length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    uint64_t n = 0;
    if (length != nullptr && absl::SimpleAtoi(length, &n) &&
        n > ex->route->config->limits.max_body_bytes.value_or(UINT64_MAX)) {
      simple.status = 413;
      simple.body = StatusText(413);
      request.remote_addr = RemoteAddress(conn);
      return impl->Reply(conn, ex, &request, simple, "", {});
    }
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    const uint64_t cap = ex->route->config->limits.max_body_bytes.value_or(UINT64_MAX);
    if (ex->body.size() + *upload_data_size > cap) {
      ex->too_large = true;
      ex->body.clear();
    } else if (!ex->too_large) {
      ex->body.append(upload_data, *upload_data_size);
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (ex->answered) {  // an offloaded handler's result: the connection was resumed for it
    return impl->Reply(conn, ex, &ex->request, ex->response, ex->problem, ex->wasm_time,
                       ex->trapped);
  }
  request.remote_addr = RemoteAddress(conn);
  if (ex->too_large) {
    simple.status = 413;
    simple.body = StatusText(413);
    return impl->Reply(conn, ex, &request, simple, "", {});
  }
  const size_t q = ex->uri.find('?');
  request.path = ex->uri.substr(0, q);
  request.query = q == std::string::npos ? "" : ex->uri.substr(q + 1);
  request.query = request.query.substr(0, request.query.find('#'));
  request.headers.reserve(16);
  MHD_get_connection_values(conn, MHD_HEADER_KIND, CollectHeader, &request.headers);
  request.body_size = ex->body.size();
  ++impl->in_flight;
  ex->counted = true;
  const Route& route = *ex->route;
  const int64_t now_ns = Clock::now().time_since_epoch().count();
  if (!route.replayable || now_ns < route.offload_until_ns.load(std::memory_order_relaxed)) {
    ex->request = std::move(request);
    if (impl->Offload(conn, ex)) return MHD_YES;
    request = std::move(ex->request);  // no thread for it: it runs here
  }
  std::string problem;
  std::chrono::nanoseconds wasm_time{0};
  bool trapped = false, migrate = false;
  Response response = impl->Handle(route, request, *ex, Watchdog::Mode::kOnLoop, &problem,
                                   &wasm_time, &trapped, &ex->demoted, &migrate);
  if (migrate) {
    // It held this event loop too long: it starts again offloaded, and so do the route's
    // next handlers for a while.
    route.offload_until_ns.store(
        (Clock::now() + kOffloadRouteFor).time_since_epoch().count(), std::memory_order_relaxed);
    ex->request = std::move(request);
    if (impl->Offload(conn, ex)) return MHD_YES;
    response.status = 503;
    response.body = "no thread for the request\n";
    problem = "stopped on an event loop, and no offload thread could take it";
  }
  return impl->Reply(conn, ex, &request, response, problem, wasm_time, trapped);
}

void OnMhdError(void* cls, const char* fmt, va_list ap) {
  (void)cls;
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  std::fprintf(stderr, "kiln serve: http: %s", buf);
}

MHD_Result OnMetrics(void* cls, MHD_Connection* conn, const char* url, const char* method,
                     const char*, const char*, size_t*, void**) {
  auto* impl = static_cast<Server::Impl*>(cls);
  const bool found = url != nullptr && std::strcmp(url, "/metrics") == 0 && method != nullptr &&
                     std::strcmp(method, "GET") == 0;
  const std::string body = found ? impl->metrics.Render(impl->live.load())
                                 : std::string("GET /metrics\n");
  MHD_Response* r = MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()),
                                                    MHD_RESPMEM_MUST_COPY);
  if (r == nullptr) return MHD_NO;
  MHD_add_response_header(r, "Content-Type",
                          found ? "text/plain; version=0.0.4" : "text/plain");
  const MHD_Result queued = MHD_queue_response(conn, found ? 200 : 404, r);
  MHD_destroy_response(r);
  return queued;
}

// "HOST:PORT" / "[V6]:PORT" -> a socket address.
absl::StatusOr<sockaddr_storage> ParseListen(const std::string& text, socklen_t* len) {
  sockaddr_storage ss{};
  const size_t colon = text.rfind(':');
  uint32_t port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(text.substr(colon + 1), &port) ||
      port > 65535)
    return absl::InvalidArgumentError(
        absl::StrCat("listen address \"", text, "\" is not HOST:PORT (e.g. 127.0.0.1:8080)"));
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a->sin6_addr) != 1)
      return absl::InvalidArgumentError(absl::StrCat("\"", host, "\" is not an IPv6 address"));
    *len = sizeof(sockaddr_in6);
    return ss;
  }
  if (host == "localhost") host = "127.0.0.1";
  auto* a = reinterpret_cast<sockaddr_in*>(&ss);
  a->sin_family = AF_INET;
  a->sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1)
    return absl::InvalidArgumentError(
        absl::StrCat("\"", host, "\" is not an IPv4 address (use a numeric address)"));
  *len = sizeof(sockaddr_in);
  return ss;
}

}  // namespace

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

const std::string& Server::address() const { return impl_->address; }
const std::string& Server::metrics_address() const { return impl_->metrics_address; }

// A listening TCP socket on `addr` (bound here rather than by libmicrohttpd, so that it
// exists before any restriction and any thread).
absl::StatusOr<int> Listen(const sockaddr_storage& addr, socklen_t len, const std::string& text) {
  const int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (addr.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0 || listen(fd, 4096) != 0) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot listen on ", text, ": ",
                                               std::strerror(err)));
  }
  return fd;
}

uint16_t BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServeConfig config, Restrict restrict) {
  auto impl = std::make_unique<Impl>();
  absl::StatusOr<std::shared_ptr<const Generation>> gen = LoadGeneration(config);
  if (!gen.ok()) return gen.status();
  impl->gen = *gen;
  impl->config = std::move(config);
  if (impl->config.access_log == "-") {
    impl->access_log = stderr;
  } else if (!impl->config.access_log.empty()) {
    impl->access_log = std::fopen(impl->config.access_log.c_str(), "a");
    if (impl->access_log == nullptr)
      return absl::InvalidArgumentError(absl::StrCat(impl->config.access_log, ": ", std::strerror(errno)));
  }
  socklen_t len = 0;
  absl::StatusOr<sockaddr_storage> addr = ParseListen(impl->config.listen, &len);
  if (!addr.ok()) return addr.status();
  absl::StatusOr<int> listen_fd = Listen(*addr, len, impl->config.listen);
  if (!listen_fd.ok()) return listen_fd.status();
  impl->listen_fds.push_back(*listen_fd);
  int metrics_fd = -1;
  if (!impl->config.metrics.empty()) {
    socklen_t mlen = 0;
    absl::StatusOr<sockaddr_storage> maddr = ParseListen(impl->config.metrics, &mlen);
    if (!maddr.ok()) return absl::InvalidArgumentError(absl::StrCat("metrics: ", maddr.status().message()));
    absl::StatusOr<int> fd = Listen(*maddr, mlen, impl->config.metrics + " for metrics");
    if (!fd.ok()) return fd.status();
    metrics_fd = *fd;
    impl->listen_fds.push_back(metrics_fd);
  }
  // /proc/self/pagemap (memory reset in place) is opened now, not by the first request:
  // the server's descriptors after requests are the ones it started with.
  GuardedMemory::PrepareResetInPlace();
  if (restrict) {
    ServerResources res;
    for (const auto& gen_route : impl->gen->config.routes) {
      for (const auto& [guest, host] : gen_route.dirs) res.directories.emplace_back(host, false);
      for (const auto& [guest, host] : gen_route.ro_dirs) res.directories.emplace_back(host, true);
    }
    res.listen_fds = impl->listen_fds;
    if (absl::Status s = restrict(res); !s.ok()) return s;
    impl->restricted = true;
  }
  // Event loops (one per core by default) run their connections' handlers; a handler
  // that keeps its loop busy (Watchdog::kBusyCpuNs), or that may not run twice,
  // runs on an offload thread while the loop serves its other connections.
  unsigned workers = impl->config.workers;
  if (workers == 0) {
    cpu_set_t cpus;
    workers = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 0;
    if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  }
  // Wasm code needs signals for interruption: the interrupt resender thread exists before
  // the workers.
  StartInterruptResender();
  impl->watchdog.Start();
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                   MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
                   MHD_USE_SUPPRESS_DATE_NO_CLOCK;  // Reply adds a Date made once a second
  if (addr->ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  // One loop: libmicrohttpd's thread pool option is for two or more.
  MHD_OptionItem pool[] = {
      {workers > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
       static_cast<intptr_t>(workers), nullptr},
      {MHD_OPTION_END, 0, nullptr}};
  impl->daemon = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &OnRequest, impl.get(),
      MHD_OPTION_EXTERNAL_LOGGER, &OnMhdError, impl.get(),
      MHD_OPTION_LISTEN_SOCKET, *listen_fd,
      MHD_OPTION_ARRAY, pool,
      MHD_OPTION_THREAD_STACK_SIZE, static_cast<size_t>(8) << 20,
      MHD_OPTION_URI_LOG_CALLBACK, &OnUri, impl.get(),
      MHD_OPTION_NOTIFY_COMPLETED, &OnCompleted, impl.get(),
      MHD_OPTION_UNESCAPE_CALLBACK, &NoUnescape, impl.get(),
      MHD_OPTION_CONNECTION_TIMEOUT, 60u,
      MHD_OPTION_CONNECTION_LIMIT, 1000u,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, kConnectionMemoryBytes,
      MHD_OPTION_END);
  if (impl->daemon == nullptr)
    return absl::UnavailableError(absl::StrCat("cannot serve on ", impl->config.listen));
  if (metrics_fd >= 0) {
    impl->metrics_daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
        0, nullptr, nullptr, &OnMetrics, impl.get(),
        MHD_OPTION_EXTERNAL_LOGGER, &OnMhdError, impl.get(),
        MHD_OPTION_LISTEN_SOCKET, metrics_fd,
        MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_END);
    if (impl->metrics_daemon == nullptr)
      return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", impl->config.metrics));
  }
  // The address actually bound (port 0: the one the kernel chose).
  const uint16_t port = BoundPort(*listen_fd);
  const std::string host = impl->config.listen.substr(0, impl->config.listen.rfind(':'));
  impl->address = absl::StrCat(host, ":", port);
  if (metrics_fd >= 0) {
    impl->metrics_address = absl::StrCat(
        impl->config.metrics.substr(0, impl->config.metrics.rfind(':')), ":", BoundPort(metrics_fd));
  }
  impl->info.host = host;
  impl->info.port = port;
  impl->info.software = "kiln/" KILN_VERSION;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

absl::Status Server::Reload(ServeConfig config) {
  if (impl_->restricted)
    return absl::FailedPreconditionError(
        "reload is not possible under --isolate (new artifacts need files and executable "
        "mappings the isolation forbids): restart the server to change its routes");
  if (config.listen != impl_->config.listen || config.metrics != impl_->config.metrics ||
      config.workers != impl_->config.workers || config.access_log != impl_->config.access_log)
    impl_->Log("reload: listen, metrics, workers and access_log stay as they were at start");
  absl::StatusOr<std::shared_ptr<const Generation>> gen = LoadGeneration(std::move(config));
  if (!gen.ok()) return gen.status();
  std::lock_guard<std::mutex> lock(impl_->gen_mu);
  impl_->gen = *gen;  // requests in flight keep the one they started with
  return absl::OkStatus();
}

void Server::Shutdown(std::chrono::nanoseconds drain) {
  if (impl_->daemon == nullptr) return;
  const MHD_socket listen = MHD_quiesce_daemon(impl_->daemon);
  if (listen != MHD_INVALID_SOCKET) close(listen);
  impl_->quiesced = true;
  const Clock::time_point until = Clock::now() + drain;
  while (impl_->in_flight.load() > 0 && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // Past the drain period, handlers still running are stopped; offloaded ones must have
  // resumed their connections before libmicrohttpd stops.
  std::atomic<bool> joined{false};
  std::thread interrupter([&] {
    while (!joined.load()) {
      impl_->watchdog.InterruptAll();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  impl_->offload.Stop();
  joined = true;
  interrupter.join();
  MHD_stop_daemon(impl_->daemon);
  impl_->daemon = nullptr;
}

}  // namespace kiln::serve
