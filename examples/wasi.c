/* wasi: run a WASI command (a C program compiled to wasm32-wasi, then by kilnc) from its
 * artifact file, with arguments, an environment variable, a read-only pre-opened directory
 * and its output captured in memory. Loads with libkiln-runtime alone: no compiler. */
#include <string.h>

#include "common.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: wasi cat.so DIRECTORY\n");
    return 2;
  }
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = kiln_module_load_file(store, argv[1]);
  if (!module) die("loading the artifact");

  wasi_config_t* wasi = wasi_config_new();
  const char* args[] = {"cat", "/data/hello.txt"};
  wasi_config_set_argv(wasi, 2, args);
  const char* names[] = {"GREETING"};
  const char* values[] = {"hi there"};
  wasi_config_set_env(wasi, 1, names, values);
  wasi_config_capture_output(wasi);
  if (!wasi_config_preopen_dir(wasi, argv[2], "/data", /*read_only=*/true)) die("pre-opening");
  if (!kiln_store_set_wasi(store, wasi)) die("setting up WASI");

  kiln_linker_t* linker = kiln_linker_new(store);
  kiln_linker_define_wasi(linker);
  wasm_trap_t* trap = NULL;
  int status = kiln_linker_run_command(linker, module, &trap);
  if (trap) print_trap("_start", trap);

  wasm_byte_vec_t out;
  kiln_wasi_stdout(store, &out);
  printf("--- the guest's stdout ---\n%.*s", (int)out.size, out.data);
  printf("--- exit status %d ---\n", status);
  wasm_byte_vec_delete(&out);

  kiln_linker_delete(linker);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
