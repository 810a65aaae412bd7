# Hostile modules: each must end in a clean trap or a clear error, never a signal.
import os
import lit.formats

config.name = "kiln-security"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".wat"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_build_dir, "test", "security")
config.substitutions.append(("%kilnc", os.path.join(config.kiln_bin_dir, "kilnc")))
config.substitutions.append(("%kiln", os.path.join(config.kiln_bin_dir, "kiln")))
config.substitutions.append(("%wat2wasm", config.wat2wasm))
config.substitutions.append(("%expect-trap", "python3 " + os.path.join(os.path.dirname(__file__), "expect_trap.py")))
config.substitutions.append(("FileCheck", os.path.join(config.llvm_tools_dir, "FileCheck")))
