/*
 * kiln.h: kiln's extensions to the WebAssembly C API (wasm.h), in the spirit of
 * wasmtime.h: precompiled artifacts loaded from files, required signatures, WASI preview 1,
 * limits (fuel, stack, memory, open files, time), interruption, an import policy and a
 * linker. Every call that can fail returns NULL/false (the reason: kiln_last_error()) or a
 * trap; nothing aborts and no C++ exception crosses this boundary.
 *
 * Threads: an engine and a module may be used from any thread; a store (and everything
 * made in it) by one thread at a time; an interrupt handle from any thread.
 */
#ifndef KILN_H
#define KILN_H

#include "wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define own

#define KILN_VERSION_MAJOR 0
#define KILN_VERSION_MINOR 1

/* The message of the last call on this thread that failed (NULL/false); "" if none. */
WASM_API_EXTERN const char* kiln_last_error(void);

/* ---- Engine configuration ------------------------------------------------------- */

/* Optimisation level of wasm_module_new (0-3; default 2). */
WASM_API_EXTERN void kiln_config_opt_level(wasm_config_t*, int level);
/* Compile with fuel metering (wasm_module_new), so stores can limit it (default off). */
WASM_API_EXTERN void kiln_config_consume_fuel(wasm_config_t*, bool enable);
/* Compile interruption checks into the code (default off: kiln interrupts by signal). */
WASM_API_EXTERN void kiln_config_epoch_checks(wasm_config_t*, bool enable);
/* Artifacts loaded by stores of this engine must carry a valid signature by the public key
 * in `path` (a file written by `kilnc keygen`). False if the key cannot be read. */
WASM_API_EXTERN bool kiln_config_require_signature_file(wasm_config_t*, const char* path);

/* ---- Modules ---------------------------------------------------------------------- */

/* A kilnc artifact from a file: mapped (not copied), verified with every check `kiln run`
 * applies (ELF shape, descriptor, CPU features, required signature). */
WASM_API_EXTERN own wasm_module_t* kiln_module_load_file(wasm_store_t*, const char* path);
/* Compiles Wasm bytes (binary or text) to a kilnc artifact in memory, as `kilnc` would
 * (needs libkiln, not libkiln-runtime). */
WASM_API_EXTERN bool kiln_compile(wasm_engine_t*, const wasm_byte_vec_t* wasm,
                                  own wasm_byte_vec_t* artifact_out);

/* ---- Store limits ------------------------------------------------------------------ */

/* Fuel: the Wasm instructions calls under the store may still run (modules compiled with
 * fuel metering). A call that runs out traps "all fuel consumed". */
WASM_API_EXTERN bool kiln_store_set_fuel(wasm_store_t*, uint64_t fuel);
WASM_API_EXTERN bool kiln_store_get_fuel(const wasm_store_t*, uint64_t* fuel_left);
/* Native stack a call from the host may use (bytes, at least 16 KiB; 0: the thread's). */
WASM_API_EXTERN bool kiln_store_set_max_stack(wasm_store_t*, uint64_t bytes);
/* Cap on the 64 KiB pages of every memory the store's instances define (0: none). */
WASM_API_EXTERN void kiln_store_set_max_memory_pages(wasm_store_t*, uint64_t pages);
/* Cap on the elements of every table the store's instances define. */
WASM_API_EXTERN void kiln_store_set_max_table_elements(wasm_store_t*, uint64_t elements);

/* Interruption: from any thread, stops the store's running call (and what it called) with
 * the trap "interrupted"; later calls trap at once until kiln_store_reset_interrupt. */
typedef struct kiln_interrupt_handle_t kiln_interrupt_handle_t;
WASM_API_EXTERN own kiln_interrupt_handle_t* kiln_interrupt_handle_new(wasm_store_t*);
WASM_API_EXTERN void kiln_interrupt_handle_interrupt(kiln_interrupt_handle_t*);
WASM_API_EXTERN void kiln_interrupt_handle_delete(own kiln_interrupt_handle_t*);
WASM_API_EXTERN void kiln_store_reset_interrupt(wasm_store_t*);
/* Interrupts the store's calls after `milliseconds` of wall time from now (0: no limit):
 * a deadline for everything the store runs from here on. */
WASM_API_EXTERN bool kiln_store_set_timeout(wasm_store_t*, uint64_t milliseconds);

/* Imports the store's instances may be given: "MODULE::NAME" ("*" for every name). With
 * any rule set, an import not approved fails instantiation before any guest code runs. */
WASM_API_EXTERN bool kiln_store_approve_import(wasm_store_t*, const char* module_and_name);
WASM_API_EXTERN bool kiln_store_deny_import(wasm_store_t*, const char* module_and_name);

/* ---- Traps ------------------------------------------------------------------------- */

/* Trap codes (kiln_trap_get_code; the spec's trap texts: kiln_trap_code_message). */
typedef enum kiln_trap_code_t {
  KILN_TRAP_CODE_NONE = 0,
  KILN_TRAP_CODE_UNREACHABLE = 1,
  KILN_TRAP_CODE_MEMORY_OUT_OF_BOUNDS = 2,
  KILN_TRAP_CODE_TABLE_OUT_OF_BOUNDS = 3,
  KILN_TRAP_CODE_UNDEFINED_ELEMENT = 4,
  KILN_TRAP_CODE_UNINITIALIZED_ELEMENT = 5,
  KILN_TRAP_CODE_INDIRECT_CALL_TYPE_MISMATCH = 6,
  KILN_TRAP_CODE_INTEGER_DIVIDE_BY_ZERO = 7,
  KILN_TRAP_CODE_INTEGER_OVERFLOW = 8,
  KILN_TRAP_CODE_INVALID_CONVERSION = 9,
  KILN_TRAP_CODE_STACK_EXHAUSTED = 10,
  KILN_TRAP_CODE_INTERRUPTED = 11,
  KILN_TRAP_CODE_OUT_OF_FUEL = 12,
  KILN_TRAP_CODE_NULL_REFERENCE = 13,
  KILN_TRAP_CODE_NULL_FUNCTION_REFERENCE = 14,
  KILN_TRAP_CODE_UNCAUGHT_EXCEPTION = 15,
  KILN_TRAP_CODE_UNALIGNED_ATOMIC = 16,
  KILN_TRAP_CODE_HOST = 17, /* a host function's trap (wasm_trap_new), or an API error */
  KILN_TRAP_CODE_EXIT = 18, /* not a fault: WASI proc_exit */
} kiln_trap_code_t;

WASM_API_EXTERN kiln_trap_code_t kiln_trap_get_code(const wasm_trap_t*);
WASM_API_EXTERN const char* kiln_trap_code_message(kiln_trap_code_t);
/* True if the trap is WASI proc_exit; then *status is its exit status. */
WASM_API_EXTERN bool kiln_trap_exit_status(const wasm_trap_t*, int* status);
/* The name of the function of a frame (from the name section or an export); empty if
 * unknown. */
WASM_API_EXTERN void kiln_frame_func_name(const wasm_frame_t*, own wasm_name_t* out);

/* ---- WASI preview 1 -------------------------------------------------------------------- */

typedef struct wasi_config_t wasi_config_t;
WASM_API_EXTERN own wasi_config_t* wasi_config_new(void);
WASM_API_EXTERN void wasi_config_delete(own wasi_config_t*);
WASM_API_EXTERN void wasi_config_set_argv(wasi_config_t*, int argc, const char* const argv[]);
WASM_API_EXTERN void wasi_config_set_env(wasi_config_t*, int n, const char* const names[],
                                         const char* const values[]);
/* stdio from host file descriptors (default 0, 1, 2; -1: none). kiln never closes them. */
WASM_API_EXTERN void wasi_config_set_stdio_fds(wasi_config_t*, int in, int out, int err);
/* The guest's stdout and stderr collected in memory (read with kiln_wasi_stdout). */
WASM_API_EXTERN void wasi_config_capture_output(wasi_config_t*);
/* stdin from these bytes. */
WASM_API_EXTERN bool wasi_config_set_stdin_bytes(wasi_config_t*, const wasm_byte_vec_t* bytes);
/* The host directory `host_path` as `guest_path`; read-only: nothing reached through it can
 * be written, created or removed. False if it cannot be opened. */
WASM_API_EXTERN bool wasi_config_preopen_dir(wasi_config_t*, const char* host_path,
                                             const char* guest_path, bool read_only);
/* A listening socket the guest may sock_accept on (kiln takes ownership of the fd). */
WASM_API_EXTERN bool wasi_config_preopen_socket(wasi_config_t*, int host_fd);
WASM_API_EXTERN void wasi_config_set_max_open_files(wasi_config_t*, uint32_t files);
/* Whether terminal escape sequences pass raw (default false: made inert). */
WASM_API_EXTERN void wasi_config_allow_terminal_escapes(wasi_config_t*, bool allow);
/* Whether the guest may import the kiln_sandbox module to restrict itself (default true). */
WASM_API_EXTERN void wasi_config_allow_sandbox_module(wasi_config_t*, bool allow);

/* Gives the store its WASI state (taking `config`); false (and the config is freed) if a
 * directory or socket could not be pre-opened. */
WASM_API_EXTERN bool kiln_store_set_wasi(wasm_store_t*, own wasi_config_t* config);
/* What the guest wrote to stdout / stderr under wasi_config_capture_output. */
WASM_API_EXTERN void kiln_wasi_stdout(const wasm_store_t*, own wasm_byte_vec_t* out);
WASM_API_EXTERN void kiln_wasi_stderr(const wasm_store_t*, own wasm_byte_vec_t* out);

/* ---- Linker ---------------------------------------------------------------------------- */

/* Imports by module and name, WASI included; instantiates modules against them. */
typedef struct kiln_linker_t kiln_linker_t;
WASM_API_EXTERN own kiln_linker_t* kiln_linker_new(wasm_store_t*);
WASM_API_EXTERN void kiln_linker_delete(own kiln_linker_t*);
/* Defines module.name (copying the extern's reference). False if already defined. */
WASM_API_EXTERN bool kiln_linker_define(kiln_linker_t*, const char* module, const char* name,
                                        const wasm_extern_t*);
/* Defines a host function directly. */
WASM_API_EXTERN bool kiln_linker_define_func(kiln_linker_t*, const char* module,
                                             const char* name, const wasm_functype_t*,
                                             wasm_func_callback_with_env_t, void* env,
                                             void (*finalizer)(void*));
/* Every export of `instance` under the module name `module`. */
WASM_API_EXTERN bool kiln_linker_define_instance(kiln_linker_t*, const char* module,
                                                 const wasm_instance_t*);
/* wasi_snapshot_preview1 (and kiln_sandbox) from the store's WASI state. */
WASM_API_EXTERN bool kiln_linker_define_wasi(kiln_linker_t*);
/* Instantiates `module` with the linker's definitions. NULL on failure: *trap (if given)
 * then holds the trap or the link error. */
WASM_API_EXTERN own wasm_instance_t* kiln_linker_instantiate(const kiln_linker_t*,
                                                             const wasm_module_t*,
                                                             own wasm_trap_t** trap);
/* Runs a WASI command: instantiates, calls "_start". Returns the exit status (0 when
 * _start returns), or -1 with *trap set when it trapped or could not start. */
WASM_API_EXTERN int kiln_linker_run_command(const kiln_linker_t*, const wasm_module_t*,
                                            own wasm_trap_t** trap);

/* Looks up an export of an instance by name (NULL if none). */
WASM_API_EXTERN own wasm_extern_t* kiln_instance_export(const wasm_instance_t*,
                                                        const char* name);

#undef own

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* KILN_H */
