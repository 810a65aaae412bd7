/* Shared by the examples: reading a file into a byte vector, and failing loudly. */
#ifndef KILN_EXAMPLES_COMMON_H
#define KILN_EXAMPLES_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include <kiln.h>
#include <wasm.h>

static inline void die(const char* what) {
  const char* why = kiln_last_error();
  fprintf(stderr, "error: %s%s%s\n", what, why[0] ? ": " : "", why);
  exit(1);
}

static inline void read_file(const char* path, wasm_byte_vec_t* out) {
  FILE* f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  wasm_byte_vec_new_uninitialized(out, (size_t)size);
  if (fread(out->data, 1, (size_t)size, f) != (size_t)size) {
    perror(path);
    exit(1);
  }
  fclose(f);
}

/* Prints "trap: MESSAGE" and deletes the trap. */
static inline void print_trap(const char* what, wasm_trap_t* trap) {
  wasm_message_t message;
  wasm_trap_message(trap, &message);
  printf("%s: trap: %s\n", what, message.data);
  wasm_byte_vec_delete(&message);
  wasm_trap_delete(trap);
}

#endif
