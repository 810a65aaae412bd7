/* Shared objects the ELF verifier must reject, one flaw per -D variant. Each still defines
 * a kiln_module_v1 symbol (except NO_DESCRIPTOR) so that the flaw is the only reason. */
#ifndef NO_DESCRIPTOR
__attribute__((visibility("default"))) const char kiln_module_v1[256] = "KILNMOD";
#endif

#ifdef WITH_CONSTRUCTOR
static int initialised;
/* The asm keeps the optimiser from folding the constructor into a static initialiser. */
__attribute__((constructor)) static void on_load(void) {
  __asm__ volatile("" ::: "memory");
  initialised = 1;
}
__attribute__((visibility("default"))) int get_initialised(void) { return initialised; }
#endif

#ifdef WITH_UNDEFINED
extern int host_symbol(int);
__attribute__((visibility("default"))) int call_undefined(int x) { return host_symbol(x); }
#endif

#ifdef WITH_TLS
__attribute__((visibility("default"))) __thread int per_thread;
__attribute__((visibility("default"))) int* tls_address(void) { return &per_thread; }
#endif

#ifdef WITH_SYMBOLIC_RELOCATION
/* A pointer to a preemptible (default-visibility) symbol needs R_X86_64_64. */
__attribute__((visibility("default"))) int exported_value = 1;
__attribute__((visibility("default"))) int* const pointer_to_exported = &exported_value;
#endif

#ifdef WITH_LIBC
#include <stdio.h>
__attribute__((visibility("default"))) void say_hello(void) { puts("hello"); }
#endif

__attribute__((visibility("default"))) int plain_function(int x) { return x + 1; }
