# Hostile modules: each must end in a clean trap or a clear error, never a signal.
import os
import lit.formats

config.name = "kiln-security"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".wat", ".c"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_build_dir, "test", "security")
# C guests built for wasm32-wasi at test time, with the kiln_sandbox header and the WASI
# test helpers on the include path.
_src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
config.substitutions.append(("%clang-wasi", "clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -I "
                             + os.path.join(_src, "wasi-shim", "include") + " -I "
                             + os.path.join(_src, "test", "wasi")))
config.substitutions.append(("%kilnc", os.path.join(config.kiln_bin_dir, "kilnc")))
config.substitutions.append(("%kiln", os.path.join(config.kiln_bin_dir, "kiln")))
config.substitutions.append(("%wat2wasm", config.wat2wasm))
config.substitutions.append(("%expect-trap", "python3 " + os.path.join(os.path.dirname(__file__), "expect_trap.py")))
# Compiles a .wat at -O0..-O3 and checks its `;; EXPECT:` lines (trap_matrix.py).
config.substitutions.append(("%trap-matrix", " ".join([
    "python3", os.path.join(os.path.dirname(__file__), "trap_matrix.py"),
    os.path.join(config.kiln_bin_dir, "kilnc"), os.path.join(config.kiln_bin_dir, "kiln"),
    config.wat2wasm])))
config.substitutions.append(("FileCheck", os.path.join(config.llvm_tools_dir, "FileCheck")))

# Landlock (kiln run --isolate confines the child with it where the kernel offers it).
def _landlock_abi():
    import ctypes
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.syscall(444, None, 0, 1)  # landlock_create_ruleset(VERSION)
    except OSError:
        return -1
if _landlock_abi() > 0:
    config.available_features.add("landlock")

# perf (for the --perf-map test): present and allowed to record here.
import shutil, subprocess
if shutil.which("perf"):
    try:
        if subprocess.run(["perf", "record", "-q", "-o", "/dev/null", "true"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=30).returncode == 0:
            config.available_features.add("perf")
    except (OSError, subprocess.SubprocessError):
        pass

# gdb (for the GDB JIT interface test): present and allowed to trace a child here.
if shutil.which("gdb"):
    try:
        r = subprocess.run(["gdb", "-batch", "-nx", "-ex", "run", "--args", "true"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        if r.returncode == 0 and b"exited normally" in r.stdout:
            config.available_features.add("gdb")
    except (OSError, subprocess.SubprocessError):
        pass
