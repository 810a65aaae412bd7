# lit configuration for kiln's compiler regression tests (FileCheck on IR and assembly).
import os
import lit.formats

config.name = "kiln"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".wat", ".wast", ".test"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_build_dir, "test", "lit")

llvm_bin = config.llvm_tools_dir
config.substitutions.append(("%kilnc", os.path.join(config.kiln_bin_dir, "kilnc")))
config.substitutions.append(("%kiln-wast", os.path.join(config.kiln_bin_dir, "kiln-wast")))
config.substitutions.append(("%kiln", os.path.join(config.kiln_bin_dir, "kiln")))
config.substitutions.append(("%wat2wasm", config.wat2wasm))
config.substitutions.append(("FileCheck", os.path.join(llvm_bin, "FileCheck")))
config.substitutions.append(("%readelf", os.path.join(llvm_bin, "llvm-readelf")))
config.substitutions.append(("%not", os.path.join(llvm_bin, "not")))
config.environment["PATH"] = os.pathsep.join([llvm_bin, config.environment.get("PATH", os.environ.get("PATH", ""))])
