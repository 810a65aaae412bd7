// The `kiln` command line, run as a subprocess on the hand-made fixtures.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "loader_test_util.h"

namespace kiln {
namespace {

struct Outcome {
  int exit_code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Outcome RunKiln(const std::string& args) {
  const std::string dir = ::testing::TempDir();
  const std::string out = dir + "/kiln_cli_out.txt", err = dir + "/kiln_cli_err.txt";
  const std::string cmd = std::string(KILN_CLI_PATH) + " " + args + " >" + out + " 2>" + err;
  const int status = std::system(cmd.c_str());
  Outcome o;
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = Slurp(out);
  o.err = Slurp(err);
  return o;
}

std::string Fixture(const std::string& name) { return testing::FixturePath(name); }

TEST(KilnCli, RunsAWasiCommand) {
  Outcome o = RunKiln("run " + Fixture("fake_wasi.so") + " -- one two three");
  EXPECT_EQ(o.out, "hello\n");
  EXPECT_EQ(o.exit_code, 4);  // proc_exit(argc)
  EXPECT_EQ(o.err, "");
}

TEST(KilnCli, InvokesAnExportAndPrintsResults) {
  Outcome o = RunKiln("run " + Fixture("fake_wasi.so") + " --invoke add 40 2");
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "42\n");
  o = RunKiln("run " + Fixture("fake_wasi.so") + " --invoke add 0xffffffff -2");
  EXPECT_EQ(o.out, "-3\n");
}

TEST(KilnCli, TrapsExit134WithTheSpecText) {
  Outcome o = RunKiln("run " + Fixture("fake_wasi.so") + " --invoke crash");
  EXPECT_EQ(o.exit_code, 134);
  EXPECT_EQ(o.err, "kiln: trap: unreachable (in function 5 $crash)\n");
  o = RunKiln("run " + Fixture("fake_wasi.so") + " --invoke oob");
  EXPECT_EQ(o.exit_code, 134);
  EXPECT_EQ(o.err.rfind("kiln: trap: out of bounds memory access", 0), 0u) << o.err;
}

TEST(KilnCli, ErrorsExit1AndUsageErrorsExit2) {
  Outcome o = RunKiln("run " + Fixture("bad_needs_libc.so"));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err.rfind("kiln: error: ", 0), 0u);
  EXPECT_NE(o.err.find("DT_NEEDED"), std::string::npos);
  o = RunKiln("run " + Fixture("fake_wasi.so") + " --invoke nope");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("no export named \"nope\""), std::string::npos);
  o = RunKiln("run /nonexistent/x.so");
  EXPECT_EQ(o.exit_code, 1);
  o = RunKiln("run " + Fixture("fake_wasi.so") + " --invoke add 1");
  EXPECT_EQ(o.exit_code, 2);
  o = RunKiln("run " + Fixture("fake_wasi.so") + " --invoke add x 1");
  EXPECT_EQ(o.exit_code, 2);
  o = RunKiln("");
  EXPECT_EQ(o.exit_code, 2);
  o = RunKiln("run --help");
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_NE(o.out.find("--invoke"), std::string::npos);
}

TEST(KilnCli, OnlyApprovedImportsAreBound) {
  // fake.so imports env.host_add: not WASI, so not approved by default.
  Outcome o = RunKiln("run " + Fixture("fake.so"));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("import \"env\" \"host_add\" (func (i32, i32) -> (i32)) is not approved"),
            std::string::npos)
      << o.err;
  // Approving it is not enough: nothing in kiln run provides it.
  o = RunKiln("run " + Fixture("fake.so") + " --allow-import env::host_add");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("unknown import \"env\" \"host_add\""), std::string::npos) << o.err;
  // A denied WASI function: the instance is not created and no guest code runs.
  o = RunKiln("run " + Fixture("fake_wasi.so") +
              " --deny-import wasi_snapshot_preview1::fd_write -- a");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out, "");
  EXPECT_NE(o.err.find("\"fd_write\" (func (i32, i32, i32, i32) -> (i32)) is not approved: "
                       "denied (wasi_snapshot_preview1::fd_write)"),
            std::string::npos)
      << o.err;
  // An allow-list replaces the default set.
  o = RunKiln("run " + Fixture("fake_wasi.so") +
              " --allow-import wasi_snapshot_preview1::proc_exit -- a");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("not in the approved set"), std::string::npos) << o.err;
  o = RunKiln("run " + Fixture("fake_wasi.so") + " --allow-import 'wasi_snapshot_preview1::*'");
  EXPECT_EQ(o.exit_code, 1) << o.err;  // proc_exit(argc)
  EXPECT_EQ(o.out, "hello\n");
  // A policy file.
  const std::string policy = ::testing::TempDir() + "/kiln_policy.txt";
  std::ofstream(policy) << "# only output\napprove wasi_snapshot_preview1::*\n"
                           "deny wasi_snapshot_preview1::fd_write\n";
  o = RunKiln("run " + Fixture("fake_wasi.so") + " --import-policy " + policy);
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("denied (wasi_snapshot_preview1::fd_write)"), std::string::npos) << o.err;
  std::ofstream(policy) << "allow everything\n";
  o = RunKiln("run " + Fixture("fake_wasi.so") + " --import-policy " + policy);
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find(":1: expected \"approve MODULE::NAME\""), std::string::npos) << o.err;
  o = RunKiln("run " + Fixture("fake_wasi.so") + " --deny-import nonsense");
  EXPECT_EQ(o.exit_code, 2);
}

TEST(KilnCli, InspectListsImportsAndExportsWithTypes) {
  Outcome o = RunKiln("inspect " + Fixture("fake.so"));
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("abi           3."), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("  env host_add: func (i32, i32) -> (i32)"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("memory 1..4 pages"), std::string::npos) << o.out;
  o = RunKiln("inspect " + Fixture("bad_needs_libc.so"));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("DT_NEEDED"), std::string::npos);
}

TEST(KilnCli, PreopenErrorsAreClear) {
  Outcome o = RunKiln("run " + Fixture("fake_wasi.so") + " --dir /nonexistent/dir");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("cannot pre-open directory \"/nonexistent/dir\""), std::string::npos)
      << o.err;
  EXPECT_EQ(o.out, "");  // no guest code ran
  o = RunKiln("run " + Fixture("fake_wasi.so") + " --dir ::guest");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("--dir expects HOST[::GUEST]"), std::string::npos) << o.err;
  o = RunKiln("run " + Fixture("fake_wasi.so") + " --ro-dir " + Fixture("fake_wasi.so"));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("Not a directory"), std::string::npos) << o.err;
  o = RunKiln("run " + Fixture("fake_wasi.so") + " --tcplisten nonsense");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("--tcplisten expects HOST:PORT"), std::string::npos) << o.err;
  // A good pre-open: the program runs as before.
  o = RunKiln("run " + Fixture("fake_wasi.so") + " --dir " + ::testing::TempDir() +
              "::/data --ro-dir /tmp -- x");
  EXPECT_EQ(o.exit_code, 2) << o.err;
  EXPECT_EQ(o.out, "hello\n");
  o = RunKiln("run --help");
  for (const char* flag : {"--dir", "--ro-dir", "--tcplisten", "--allow-terminal-escapes",
                           "--argv0"}) {
    EXPECT_NE(o.out.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace kiln
