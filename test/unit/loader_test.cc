// Instantiation, calls, builtins and traps against the hand-made artifacts.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <thread>

#include "loader_test_util.h"

namespace kiln {
namespace {

using testing::I32;
using testing::Invoke;
using testing::InvokeI32;
using testing::InvokeTrap;
using testing::LoadOrDie;

// env.host_add: a + b, with a few special first arguments:
//   -1: trap with a host message; -2: proc_exit(7); -3: call the caller's "add"(b, 1000).
std::shared_ptr<HostFunction> HostAdd() {
  return HostFunction::Create(
      {{KILN_I32, KILN_I32}, {KILN_I32}},
      [](HostCall& call) {
        const int32_t a = static_cast<int32_t>(call.values[0].i32);
        const int32_t b = static_cast<int32_t>(call.values[1].i32);
        if (a == -1) return call.Trap(KILN_TRAP_HOST, "host says no");
        if (a == -2) return call.Exit(7);
        if (a == -3) {
          std::optional<Extern> add = call.caller->GetExport("add");
          absl::StatusOr<CallResult> r = Call(*add, std::vector<kiln_val>{I32(b), I32(1000)});
          if (!r.ok() || r->trap) return call.Trap(KILN_TRAP_HOST, "nested call failed");
          call.values[0] = r->results[0];
          return;
        }
        if (a == -4) {
          // A nested call that traps inside Wasm: the host sees the trap and goes on.
          std::optional<Extern> f = call.caller->GetExport("unreachable");
          absl::StatusOr<CallResult> r = Call(*f, {});
          call.values[0] = I32(r.ok() && r->trap && r->trap->code == KILN_TRAP_UNREACHABLE ? 99 : -99);
          return;
        }
        call.values[0] = I32(a + b);
      },
      "host_add");
}

std::shared_ptr<Instance> NewFake(const InstanceOptions& options = {},
                                  const std::string& fixture = "fake.so") {
  static std::shared_ptr<const Artifact> artifact = LoadOrDie("fake.so");
  std::shared_ptr<const Artifact> a = fixture == "fake.so" ? artifact : LoadOrDie(fixture);
  ImportMap imports;
  imports.Add("env", "host_add", Extern::Func(HostAdd()));
  auto inst = Instance::Instantiate(a, imports.AsResolver(), options);
  EXPECT_TRUE(inst.ok()) << inst.status();
  return inst.ok() ? *inst : nullptr;
}

TEST(Instance, InstantiatesRunsStartAndCopiesData) {
  auto inst = NewFake();
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(InvokeI32(*inst, "add", {I32(2), I32(40)}), 42);
  EXPECT_EQ(InvokeI32(*inst, "load", {I32(100)}), 7);  // written by the start function
  int32_t hell;
  std::memcpy(&hell, "hell", 4);
  EXPECT_EQ(InvokeI32(*inst, "load", {I32(16)}), hell);
  EXPECT_EQ(InvokeI32(*inst, "get_global", {}), 42);
  std::optional<Extern> g42 = inst->GetExport("g42");
  ASSERT_TRUE(g42.has_value());
  EXPECT_EQ(g42->global->value().i32, 42u);  // 40 + 2, extended constant expression
  EXPECT_FALSE(g42->global->type().mut);
  EXPECT_FALSE(inst->GetExport("nope").has_value());
  std::optional<Extern> mem = inst->GetExport("memory");
  ASSERT_TRUE(mem.has_value());
  EXPECT_EQ(mem->kind, ExternKind::kMemory);
  EXPECT_EQ(mem->memory->pages(), 1u);
  EXPECT_EQ(std::memcmp(mem->memory->base() + 16, "hello", 5), 0);
}

TEST(Instance, RelrArtifactWorksToo) {
  auto inst = NewFake({}, "fake_relr.so");
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(InvokeI32(*inst, "add", {I32(1), I32(2)}), 3);
  EXPECT_EQ(InvokeI32(*inst, "call_table", {I32(1)}), 42);
}

TEST(Instance, CallChecksArity) {
  auto inst = NewFake();
  auto r = Call(*inst->GetExport("add"), std::vector<kiln_val>{I32(1)});
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(Call(*inst->GetExport("memory"), {}).ok());
}

TEST(Instance, GlobalsAreWritableFromTheHost) {
  auto inst = NewFake();
  inst->GetExport("g")->global->set_value(I32(-5));
  EXPECT_EQ(InvokeI32(*inst, "get_global"), -5);
}

TEST(HostFunctions, AreCalledFromWasmAndCanTrapOrExit) {
  auto inst = NewFake();
  EXPECT_EQ(InvokeI32(*inst, "call_host", {I32(20), I32(22)}), 42);

  std::optional<Trap> trap = InvokeTrap(*inst, "call_host", {I32(-1), I32(0)});
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_HOST);
  EXPECT_EQ(trap->message, "host says no");

  trap = InvokeTrap(*inst, "call_host", {I32(-2), I32(0)});
  ASSERT_TRUE(trap.has_value());
  EXPECT_TRUE(trap->is_exit());
  EXPECT_EQ(trap->exit_code, 7);

  EXPECT_EQ(InvokeI32(*inst, "call_host", {I32(1), I32(1)}), 2);
}

TEST(HostFunctions, CanCallBackIntoWasm) {
  auto inst = NewFake();
  EXPECT_EQ(InvokeI32(*inst, "call_host", {I32(-3), I32(5)}), 1005);
  // The nested call traps; the outer call is unaffected.
  EXPECT_EQ(InvokeI32(*inst, "call_host", {I32(-4), I32(0)}), 99);
}

TEST(HostFunctions, ReexportedHostFunctionIsCallable) {
  auto inst = NewFake();
  std::optional<Extern> f = inst->GetExport("host_add");
  ASSERT_TRUE(f.has_value());
  auto r = Call(*f, std::vector<kiln_val>{I32(3), I32(4)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->results[0].i32, 7u);
  // The host function itself, called directly.
  auto direct = Call(Extern::Func(HostAdd()), std::vector<kiln_val>{I32(-2), I32(0)});
  ASSERT_TRUE(direct.ok());
  ASSERT_TRUE(direct->trap.has_value());
  EXPECT_EQ(direct->trap->exit_code, 7);
}

TEST(Traps, GuardPageFaultBecomesOutOfBounds) {
  auto inst = NewFake();
  std::optional<Trap> trap = InvokeTrap(*inst, "load_far");
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_MEMORY_OOB);
  EXPECT_EQ(trap->message, "out of bounds memory access");
  EXPECT_EQ(trap->func_index, 4u);
  EXPECT_EQ(trap->func_name, "load_far");
  EXPECT_EQ(trap->Describe(), "out of bounds memory access (in function 4 $load_far)");
  // Just past the current size (1 page) is also out of bounds.
  trap = InvokeTrap(*inst, "load", {I32(65536)});
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_MEMORY_OOB);
  // The instance is still usable, repeatedly.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(InvokeI32(*inst, "add", {I32(i), I32(1)}), i + 1);
    EXPECT_TRUE(InvokeTrap(*inst, "load_far").has_value());
  }
}

TEST(Traps, TrapBuiltinReportsCodeAndFunction) {
  auto inst = NewFake();
  std::optional<Trap> trap = InvokeTrap(*inst, "unreachable");
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_UNREACHABLE);
  EXPECT_EQ(trap->message, "unreachable");
  EXPECT_EQ(trap->func_index, 5u);
  EXPECT_EQ(trap->func_name, "unreachable");
  EXPECT_EQ(InvokeI32(*inst, "add", {I32(1), I32(1)}), 2);
}

TEST(Traps, StackLimitCheckTrapsBeforeTheStackEnds) {
  auto inst = NewFake();
  EXPECT_EQ(InvokeI32(*inst, "recurse", {I32(100)}), 100);
  std::optional<Trap> trap = InvokeTrap(*inst, "recurse", {I32(100000000)});
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_STACK_EXHAUSTED);
  EXPECT_EQ(trap->message, "call stack exhausted");
  EXPECT_EQ(trap->func_name, "recurse");
  EXPECT_EQ(InvokeI32(*inst, "recurse", {I32(1000)}), 1000);
}

TEST(Traps, StackGuardFaultIsCallStackExhausted) {
  auto inst = NewFake();
  std::optional<Trap> trap = InvokeTrap(*inst, "recurse_unchecked", {I32(100000000)});
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_STACK_EXHAUSTED);
  // Twice: the alternate signal stack is reusable.
  trap = InvokeTrap(*inst, "recurse_unchecked", {I32(100000000)});
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_STACK_EXHAUSTED);
  EXPECT_EQ(InvokeI32(*inst, "add", {I32(1), I32(1)}), 2);
}

TEST(Traps, DivisionFaults) {
  auto inst = NewFake();
  EXPECT_EQ(InvokeI32(*inst, "div", {I32(7), I32(2)}), 3);
  std::optional<Trap> trap = InvokeTrap(*inst, "div", {I32(1), I32(0)});
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_INT_DIV_ZERO);
  EXPECT_EQ(trap->func_name, "div");
  trap = InvokeTrap(*inst, "div", {I32(INT32_MIN), I32(-1)});
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_INT_OVERFLOW);
}

TEST(Traps, IllegalInstructionIsUnreachable) {
  auto inst = NewFake();
  std::optional<Trap> trap = InvokeTrap(*inst, "ill");
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_UNREACHABLE);
  EXPECT_EQ(trap->func_name, "ill");
}

TEST(Traps, TrapsOnOtherThreads) {
  auto inst = NewFake();
  std::thread worker([&] {
    EXPECT_EQ(InvokeI32(*inst, "add", {I32(1), I32(2)}), 3);
    std::optional<Trap> trap = InvokeTrap(*inst, "load_far");
    ASSERT_TRUE(trap.has_value());
    EXPECT_EQ(trap->code, KILN_TRAP_MEMORY_OOB);
    trap = InvokeTrap(*inst, "recurse_unchecked", {I32(100000000)});
    ASSERT_TRUE(trap.has_value());
    EXPECT_EQ(trap->code, KILN_TRAP_STACK_EXHAUSTED);
    trap = InvokeTrap(*inst, "recurse", {I32(100000000)});
    ASSERT_TRUE(trap.has_value());
    EXPECT_EQ(trap->code, KILN_TRAP_STACK_EXHAUSTED);
  });
  worker.join();
  EXPECT_EQ(InvokeI32(*inst, "add", {I32(3), I32(4)}), 7);
}

TEST(Instances, AreIndependent) {
  auto a = NewFake();
  auto b = NewFake();
  ASSERT_TRUE(a && b);
  Invoke(*a, "store", {I32(200), I32(1234)});
  EXPECT_EQ(InvokeI32(*a, "load", {I32(200)}), 1234);
  EXPECT_EQ(InvokeI32(*b, "load", {I32(200)}), 0);
  a->GetExport("g")->global->set_value(I32(1));
  EXPECT_EQ(InvokeI32(*b, "get_global"), 42);
  // A trap in one leaves the other intact.
  EXPECT_TRUE(InvokeTrap(*a, "load_far").has_value());
  EXPECT_EQ(InvokeI32(*b, "add", {I32(5), I32(5)}), 10);
  EXPECT_EQ(InvokeI32(*a, "load", {I32(200)}), 1234);
  EXPECT_NE(a->GetExport("memory")->memory->base(), b->GetExport("memory")->memory->base());
}

TEST(Instances, ManyInstancesComeAndGo) {
  for (int i = 0; i < 64; ++i) {
    auto inst = NewFake();
    ASSERT_NE(inst, nullptr);
    EXPECT_EQ(InvokeI32(*inst, "add", {I32(i), I32(i)}), 2 * i);
  }
}

TEST(Builtins, MemoryGrowHonoursMaximumAndPolicy) {
  auto inst = NewFake();
  EXPECT_EQ(InvokeI32(*inst, "mem_size"), 1);
  uint8_t* base = inst->GetExport("memory")->memory->base();
  EXPECT_EQ(InvokeI32(*inst, "grow", {I32(1)}), 1);
  EXPECT_EQ(InvokeI32(*inst, "mem_size"), 2);
  EXPECT_EQ(InvokeI32(*inst, "load", {I32(65536)}), 0);  // new page, zeroed
  EXPECT_EQ(InvokeI32(*inst, "grow", {I32(3)}), -1);     // 5 > max 4
  EXPECT_EQ(InvokeI32(*inst, "grow", {I32(0)}), 2);
  EXPECT_EQ(InvokeI32(*inst, "grow", {I32(2)}), 2);
  EXPECT_EQ(InvokeI32(*inst, "mem_size"), 4);
  EXPECT_EQ(InvokeI32(*inst, "grow", {I32(1)}), -1);
  EXPECT_EQ(inst->GetExport("memory")->memory->base(), base);  // never moves

  InstanceOptions capped;
  capped.max_memory_pages = 2;
  auto small = NewFake(capped);
  EXPECT_EQ(InvokeI32(*small, "grow", {I32(2)}), -1);
  EXPECT_EQ(InvokeI32(*small, "grow", {I32(1)}), 1);
}

TEST(Builtins, MemoryFillChecksBoundsBeforeWriting) {
  auto inst = NewFake();
  Invoke(*inst, "fill", {I32(0), I32(0x1AB), I32(4)});
  EXPECT_EQ(static_cast<uint32_t>(InvokeI32(*inst, "load", {I32(0)})), 0xABABABABu);
  Invoke(*inst, "store", {I32(65532), I32(0x11111111)});
  std::optional<Trap> trap = InvokeTrap(*inst, "fill", {I32(65534), I32(0xFF), I32(3)});
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_MEMORY_OOB);
  EXPECT_EQ(trap->func_name, "fill");
  EXPECT_EQ(InvokeI32(*inst, "load", {I32(65532)}), 0x11111111);  // nothing written
  EXPECT_FALSE(InvokeTrap(*inst, "fill", {I32(65536), I32(0), I32(0)}).has_value());
  EXPECT_TRUE(InvokeTrap(*inst, "fill", {I32(65537), I32(0), I32(0)}).has_value());
  EXPECT_TRUE(InvokeTrap(*inst, "fill", {I32(-1), I32(0), I32(2)}).has_value());
}

TEST(Builtins, MemoryCopyHandlesOverlap) {
  auto inst = NewFake();
  Invoke(*inst, "store", {I32(0), I32(0x04030201)});
  Invoke(*inst, "copy", {I32(1), I32(0), I32(4)});  // forward overlap
  EXPECT_EQ(InvokeI32(*inst, "load", {I32(1)}), 0x04030201);
  Invoke(*inst, "copy", {I32(0), I32(1), I32(4)});  // backward overlap
  EXPECT_EQ(InvokeI32(*inst, "load", {I32(0)}), 0x04030201);
  EXPECT_TRUE(InvokeTrap(*inst, "copy", {I32(65535), I32(0), I32(2)}).has_value());
  EXPECT_TRUE(InvokeTrap(*inst, "copy", {I32(0), I32(65535), I32(2)}).has_value());
  EXPECT_FALSE(InvokeTrap(*inst, "copy", {I32(65536), I32(65536), I32(0)}).has_value());
}

TEST(Builtins, MemoryInitAndDataDrop) {
  auto inst = NewFake();
  Invoke(*inst, "init", {I32(300), I32(0), I32(8)});
  EXPECT_EQ(std::memcmp(inst->GetExport("memory")->memory->base() + 300, "passive!", 8), 0);
  EXPECT_TRUE(InvokeTrap(*inst, "init", {I32(0), I32(4), I32(5)}).has_value());
  EXPECT_FALSE(InvokeTrap(*inst, "init", {I32(0), I32(8), I32(0)}).has_value());
  Invoke(*inst, "drop_data");
  EXPECT_FALSE(InvokeTrap(*inst, "init", {I32(0), I32(0), I32(0)}).has_value());
  std::optional<Trap> trap = InvokeTrap(*inst, "init", {I32(0), I32(0), I32(1)});
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_MEMORY_OOB);
  // Each instance has its own dropped state.
  auto other = NewFake();
  EXPECT_FALSE(InvokeTrap(*other, "init", {I32(0), I32(0), I32(8)}).has_value());
}

TEST(Builtins, TablesElementsAndIndirectCalls) {
  auto inst = NewFake();
  EXPECT_EQ(InvokeI32(*inst, "call_table", {I32(1)}), 42);  // add(20, 22)
  EXPECT_EQ(InvokeI32(*inst, "call_table", {I32(2)}), 0);   // div(20, 22)
  std::optional<Trap> trap = InvokeTrap(*inst, "call_table", {I32(3)});
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_UNINITIALIZED_ELEMENT);
  trap = InvokeTrap(*inst, "call_table", {I32(4)});
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_UNDEFINED_ELEMENT);
  // table.init from the passive segment (load, a different signature).
  Invoke(*inst, "table_init", {I32(0), I32(0), I32(1)});
  trap = InvokeTrap(*inst, "call_table", {I32(0)});
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH);
  trap = InvokeTrap(*inst, "table_init", {I32(4), I32(0), I32(1)});
  ASSERT_TRUE(trap.has_value());
  EXPECT_EQ(trap->code, KILN_TRAP_TABLE_OOB);
  EXPECT_FALSE(InvokeTrap(*inst, "table_init", {I32(4), I32(1), I32(0)}).has_value());
  // The active segment was dropped after instantiation; the table is shared via export.
  std::optional<Extern> table = inst->GetExport("table");
  ASSERT_TRUE(table.has_value());
  EXPECT_EQ(table->table->size(), 4u);
  EXPECT_EQ(table->table->Grow(2, nullptr), 4);
  EXPECT_EQ(table->table->Grow(5, nullptr), -1);  // max 10
  EXPECT_EQ(InvokeI32(*inst, "call_table", {I32(1)}), 42);
}

TEST(Linking, UnknownImportIsNamed) {
  auto a = LoadOrDie("fake.so");
  auto inst = Instance::Instantiate(a, ImportResolver{});
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.status().message(),
            "unknown import \"env\" \"host_add\" (func (i32, i32) -> (i32))");
}

TEST(Linking, ImportPolicyRefusesBeforeResolving) {
  auto a = LoadOrDie("fake.so");
  ImportPolicy policy;
  policy.Approve("wasi_snapshot_preview1", "*");
  bool asked = false;
  InstanceOptions options;
  options.import_policy = &policy;
  auto inst = Instance::Instantiate(
      a,
      [&](const ImportRequest&) -> std::optional<Extern> {
        asked = true;
        return std::nullopt;
      },
      options);
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.status().message(),
            "import \"env\" \"host_add\" (func (i32, i32) -> (i32)) is not approved: not in "
            "the approved set");
  EXPECT_FALSE(asked);
  policy.Approve("env", "host_add");
  policy.Deny("env", "*");
  inst = Instance::Instantiate(a, ImportResolver{}, options);
  ASSERT_FALSE(inst.ok());
  EXPECT_NE(inst.status().message().find("is not approved: denied (env::*)"), std::string::npos);
}

TEST(Linking, IncompatibleImportTypesAreNamed) {
  auto a = LoadOrDie("fake.so");
  ImportMap imports;
  imports.Add("env", "host_add",
              Extern::Func(HostFunction::Create({{KILN_I32}, {KILN_I32}}, [](HostCall&) {})));
  auto inst = Instance::Instantiate(a, imports.AsResolver());
  ASSERT_FALSE(inst.ok());
  const std::string why(inst.status().message());
  EXPECT_EQ(why.rfind("incompatible import type for \"env\" \"host_add\"", 0), 0u) << why;

  auto memory = GuardedMemory::Create({{1, 2}});
  ASSERT_TRUE(memory.ok());
  imports.Add("env", "host_add", Extern::FromMemory(*memory));
  inst = Instance::Instantiate(a, imports.AsResolver());
  ASSERT_FALSE(inst.ok());
  EXPECT_NE(inst.status().message().find("incompatible import type"), std::string::npos);
}

// The "spectest" environment the importer fixture expects.
struct SpecTestEnv {
  std::vector<int32_t> printed;
  std::shared_ptr<GuardedMemory> memory;
  std::shared_ptr<Table> table;
  std::shared_ptr<Global> global;
  ImportMap imports;

  explicit SpecTestEnv(int32_t global_value, MemoryType memory_type = {{1, 2}},
                       TableType table_type = {KILN_FUNCREF, {10, 20}}) {
    memory = *GuardedMemory::Create(memory_type);
    table = *Table::Create(table_type);
    global = Global::Create({KILN_I32, false}, testing::I32(global_value));
    imports.Add("spectest", "print_i32",
                Extern::Func(HostFunction::Create({{KILN_I32}, {}}, [this](HostCall& c) {
                  printed.push_back(static_cast<int32_t>(c.values[0].i32));
                })));
    imports.Add("spectest", "memory", Extern::FromMemory(memory));
    imports.Add("spectest", "table", Extern::FromTable(table));
    imports.Add("spectest", "global_i32", Extern::FromGlobal(global));
  }
};

TEST(Linking, ImportsHostMemoryTableGlobalAndFunction) {
  SpecTestEnv env(666);
  auto inst = Instance::Instantiate(LoadOrDie("fake_importer.so"), env.imports.AsResolver());
  ASSERT_TRUE(inst.ok()) << inst.status();
  Invoke(**inst, "call_print", {I32(5)});
  EXPECT_EQ(env.printed, std::vector<int32_t>{5});
  EXPECT_EQ(std::memcmp(env.memory->base() + 666, "imported!", 9), 0);
  EXPECT_EQ(std::memcmp(env.memory->base() + 766, "tail", 4), 0);
  int32_t impo;
  std::memcpy(&impo, "impo", 4);
  EXPECT_EQ(InvokeI32(**inst, "read", {I32(666)}), impo);
  EXPECT_NE(env.table->Get(0).value(), nullptr);
  EXPECT_NE(env.table->Get(1).value(), nullptr);
  // Re-exports are the very same objects.
  EXPECT_EQ((*inst)->GetExport("mem")->memory, env.memory);
  EXPECT_EQ((*inst)->GetExport("tab")->table, env.table);
  EXPECT_EQ((*inst)->GetExport("glob")->global, env.global);
  auto r = Call(*(*inst)->GetExport("print"), std::vector<kiln_val>{I32(9)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(env.printed, (std::vector<int32_t>{5, 9}));
  // Growing the shared memory from the host is visible to the module.
  EXPECT_EQ(env.memory->Grow(1), 1);
  EXPECT_EQ(InvokeI32(**inst, "read", {I32(65536)}), 0);
  EXPECT_EQ(env.memory->Grow(1), -1);  // max 2
}

TEST(Linking, LimitsAndTypesAreCheckedLikeTheSpec) {
  auto artifact = LoadOrDie("fake_importer.so");
  auto expect_incompatible = [&](SpecTestEnv& env, const char* what) {
    auto inst = Instance::Instantiate(artifact, env.imports.AsResolver());
    ASSERT_FALSE(inst.ok());
    EXPECT_NE(inst.status().message().find(absl::StrCat("incompatible import type for ", what)),
              std::string::npos)
        << inst.status();
  };
  SpecTestEnv bigger_max(0, {{1, 3}});
  expect_incompatible(bigger_max, "\"spectest\" \"memory\"");
  SpecTestEnv no_max(0, {{1, std::nullopt}});
  expect_incompatible(no_max, "\"spectest\" \"memory\"");
  SpecTestEnv too_small_table(0, {{1, 2}}, {KILN_FUNCREF, {5, 20}});
  expect_incompatible(too_small_table, "\"spectest\" \"table\"");
  SpecTestEnv externref_table(0, {{1, 2}}, {KILN_EXTERNREF, {10, 20}});
  expect_incompatible(externref_table, "\"spectest\" \"table\"");
  SpecTestEnv mutable_global(0);
  mutable_global.imports.Add("spectest", "global_i32",
                             Extern::FromGlobal(Global::Create({KILN_I32, true}, I32(0))));
  expect_incompatible(mutable_global, "\"spectest\" \"global_i32\"");
  // A memory that grew to 2 pages still matches {min 1, max 2}; a table without a max
  // matches a declared table without a max.
  SpecTestEnv grown(0, {{1, 2}}, {KILN_FUNCREF, {10, std::nullopt}});
  grown.memory->Grow(1);
  EXPECT_TRUE(Instance::Instantiate(artifact, grown.imports.AsResolver()).ok());
}

TEST(Linking, TrapDuringSegmentInitKeepsEarlierEffects) {
  // data 0 lands at 65520..65529 (fits), data 1 at 65620 (out of bounds).
  SpecTestEnv env(65520);
  auto inst = Instance::Instantiate(LoadOrDie("fake_importer.so"), env.imports.AsResolver());
  ASSERT_FALSE(inst.ok());
  std::optional<Trap> trap = TrapFromStatus(inst.status());
  ASSERT_TRUE(trap.has_value()) << inst.status();
  EXPECT_EQ(trap->code, KILN_TRAP_MEMORY_OOB);
  EXPECT_NE(inst.status().message().find("out of bounds memory access"), std::string::npos);
  EXPECT_EQ(std::memcmp(env.memory->base() + 65520, "imported!", 9), 0);
  // The element segment ran first; its functions stay callable through the table.
  auto* f = static_cast<kiln_funcref*>(env.table->Get(1).value());
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->code, nullptr);
}

TEST(SignalChaining, ForeignFaultsReachThePreviousHandler) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        struct sigaction previous {};
        previous.sa_handler = [](int) { _exit(42); };
        sigaction(SIGSEGV, &previous, nullptr);
        PrepareThreadForWasm();  // installs the loader's handler on top
        auto inst = NewFake();
        EXPECT_TRUE(InvokeTrap(*inst, "load_far").has_value());  // ours
        *static_cast<volatile int*>(nullptr) = 1;  // not Wasm: goes to `previous`
      },
      ::testing::ExitedWithCode(42), "");
  EXPECT_EXIT(
      {
        struct rlimit no_core {};
        setrlimit(RLIMIT_CORE, &no_core);
        PrepareThreadForWasm();
        *static_cast<volatile int*>(nullptr) = 1;  // default action still happens
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

}  // namespace
}  // namespace kiln
