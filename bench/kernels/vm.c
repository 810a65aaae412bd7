/* vm: an interpreter loop with indirect calls. A small register bytecode machine
 * whose dispatch loop calls each instruction's handler through a table of function
 * pointers. It runs three programs: Collatz step counting (arithmetic and branches),
 * a memory-mixing loop (loads and stores into the VM's data array) and recursive
 * Fibonacci (VM-level call/return and a data stack). Prints the results and the
 * number of instructions executed. */
#include "common.h"

enum { OP_LI, OP_MOV, OP_ADD, OP_SUB, OP_MUL, OP_AND, OP_XOR, OP_ADDI, OP_SHRI, OP_SHLI, OP_LD, OP_ST,
       OP_JMP, OP_JZ, OP_JNZ, OP_JLT, OP_CALL, OP_RET, OP_PUSH, OP_POP, OP_HALT, OP_COUNT };

typedef struct {
  uint8_t op, a, b, c;
  int32_t imm;
} Insn;

#define MEM_WORDS (1u << 16)
#define STACK_WORDS 4096

typedef struct VM {
  int64_t reg[16];
  int64_t mem[MEM_WORDS];
  int64_t stack[STACK_WORDS];
  uint32_t call_stack[STACK_WORDS];
  uint32_t sp, csp, pc;
  int running;
} VM;

typedef void (*Handler)(VM *vm, const Insn *in);

static void h_li(VM *vm, const Insn *in) { vm->reg[in->a] = in->imm; }
static void h_mov(VM *vm, const Insn *in) { vm->reg[in->a] = vm->reg[in->b]; }
static void h_add(VM *vm, const Insn *in) { vm->reg[in->a] = vm->reg[in->b] + vm->reg[in->c]; }
static void h_sub(VM *vm, const Insn *in) { vm->reg[in->a] = vm->reg[in->b] - vm->reg[in->c]; }
static void h_mul(VM *vm, const Insn *in) {
  vm->reg[in->a] = (int64_t)((uint64_t)vm->reg[in->b] * (uint64_t)vm->reg[in->c]);
}
static void h_and(VM *vm, const Insn *in) { vm->reg[in->a] = vm->reg[in->b] & vm->reg[in->c]; }
static void h_xor(VM *vm, const Insn *in) { vm->reg[in->a] = vm->reg[in->b] ^ vm->reg[in->c]; }
static void h_addi(VM *vm, const Insn *in) { vm->reg[in->a] = vm->reg[in->b] + in->imm; }
static void h_shri(VM *vm, const Insn *in) { vm->reg[in->a] = (int64_t)((uint64_t)vm->reg[in->b] >> in->imm); }
static void h_shli(VM *vm, const Insn *in) { vm->reg[in->a] = (int64_t)((uint64_t)vm->reg[in->b] << in->imm); }
static void h_ld(VM *vm, const Insn *in) {
  vm->reg[in->a] = vm->mem[(uint64_t)(vm->reg[in->b] + in->imm) & (MEM_WORDS - 1)];
}
static void h_st(VM *vm, const Insn *in) {
  vm->mem[(uint64_t)(vm->reg[in->b] + in->imm) & (MEM_WORDS - 1)] = vm->reg[in->a];
}
static void h_jmp(VM *vm, const Insn *in) { vm->pc = (uint32_t)in->imm; }
static void h_jz(VM *vm, const Insn *in) {
  if (vm->reg[in->a] == 0) vm->pc = (uint32_t)in->imm;
}
static void h_jnz(VM *vm, const Insn *in) {
  if (vm->reg[in->a] != 0) vm->pc = (uint32_t)in->imm;
}
static void h_jlt(VM *vm, const Insn *in) {
  if (vm->reg[in->a] < vm->reg[in->b]) vm->pc = (uint32_t)in->imm;
}
static void h_call(VM *vm, const Insn *in) {
  vm->call_stack[vm->csp++ & (STACK_WORDS - 1)] = vm->pc;
  vm->pc = (uint32_t)in->imm;
}
static void h_ret(VM *vm, const Insn *in) {
  (void)in;
  vm->pc = vm->call_stack[--vm->csp & (STACK_WORDS - 1)];
}
static void h_push(VM *vm, const Insn *in) { vm->stack[vm->sp++ & (STACK_WORDS - 1)] = vm->reg[in->a]; }
static void h_pop(VM *vm, const Insn *in) { vm->reg[in->a] = vm->stack[--vm->sp & (STACK_WORDS - 1)]; }
static void h_halt(VM *vm, const Insn *in) {
  (void)in;
  vm->running = 0;
}

static const Handler handlers[OP_COUNT] = {
    [OP_LI] = h_li,     [OP_MOV] = h_mov,   [OP_ADD] = h_add,   [OP_SUB] = h_sub,   [OP_MUL] = h_mul,
    [OP_AND] = h_and,   [OP_XOR] = h_xor,   [OP_ADDI] = h_addi, [OP_SHRI] = h_shri, [OP_SHLI] = h_shli,
    [OP_LD] = h_ld,     [OP_ST] = h_st,     [OP_JMP] = h_jmp,   [OP_JZ] = h_jz,     [OP_JNZ] = h_jnz,
    [OP_JLT] = h_jlt,   [OP_CALL] = h_call, [OP_RET] = h_ret,   [OP_PUSH] = h_push, [OP_POP] = h_pop,
    [OP_HALT] = h_halt};

static uint64_t run(VM *vm, const Insn *code, uint32_t entry) {
  uint64_t executed = 0;
  vm->pc = entry;
  vm->running = 1;
  while (vm->running) {
    const Insn *in = &code[vm->pc++];
    handlers[in->op](vm, in);
    ++executed;
  }
  return executed;
}

/* ---- a tiny assembler ---- */
#define MAX_CODE 256
static Insn code[MAX_CODE];
static uint32_t ncode;

static uint32_t emit(int op, int a, int b, int c, int32_t imm) {
  code[ncode] = (Insn){(uint8_t)op, (uint8_t)a, (uint8_t)b, (uint8_t)c, imm};
  return ncode++;
}
static uint32_t here(void) { return ncode; }
static void patch(uint32_t at, uint32_t target) { code[at].imm = (int32_t)target; }

int main(int argc, char **argv) {
  int reps = bench_reps(argc, argv, 2);
  static VM vm;
  uint64_t executed = 0, h = HASH_INIT;

  /* Program 1: r3 = sum over n in [1, r2) of the Collatz steps of n. */
  ncode = 0;
  uint32_t collatz = here();
  emit(OP_LI, 1, 0, 0, 1);
  emit(OP_LI, 3, 0, 0, 0);
  emit(OP_LI, 6, 0, 0, 1);
  emit(OP_LI, 7, 0, 0, 3);
  uint32_t outer = emit(OP_MOV, 4, 1, 0, 0);
  uint32_t inner = emit(OP_SUB, 5, 4, 6, 0);
  uint32_t jdone = emit(OP_JZ, 5, 0, 0, 0);
  emit(OP_AND, 5, 4, 6, 0);
  uint32_t jodd = emit(OP_JNZ, 5, 0, 0, 0);
  emit(OP_SHRI, 4, 4, 0, 1);
  emit(OP_ADDI, 3, 3, 0, 1);
  emit(OP_JMP, 0, 0, 0, (int32_t)inner);
  patch(jodd, here());
  emit(OP_MUL, 4, 4, 7, 0);
  emit(OP_ADDI, 4, 4, 0, 1);
  emit(OP_ADDI, 3, 3, 0, 1);
  emit(OP_JMP, 0, 0, 0, (int32_t)inner);
  patch(jdone, here());
  emit(OP_ADDI, 1, 1, 0, 1);
  emit(OP_JLT, 1, 2, 0, (int32_t)outer);
  emit(OP_HALT, 0, 0, 0, 0);

  /* Program 2: r8 passes over mem: mem[i] = (mem[i] + mem[i-1]) ^ (i << 3) ^ (mem[i+7] >> 2). */
  uint32_t mix = here();
  emit(OP_LI, 9, 0, 0, 0);
  uint32_t pass = emit(OP_LI, 1, 0, 0, 1);
  emit(OP_LI, 2, 0, 0, MEM_WORDS - 8);
  uint32_t body = emit(OP_LD, 4, 1, 0, -1);
  emit(OP_LD, 5, 1, 0, 0);
  emit(OP_ADD, 5, 5, 4, 0);
  emit(OP_SHLI, 6, 1, 0, 3);
  emit(OP_XOR, 5, 5, 6, 0);
  emit(OP_LD, 6, 1, 0, 7);
  emit(OP_SHRI, 6, 6, 0, 2);
  emit(OP_XOR, 5, 5, 6, 0);
  emit(OP_ST, 5, 1, 0, 0);
  emit(OP_ADDI, 1, 1, 0, 1);
  emit(OP_JLT, 1, 2, 0, (int32_t)body);
  emit(OP_ADDI, 9, 9, 0, 1);
  emit(OP_JLT, 9, 8, 0, (int32_t)pass);
  emit(OP_HALT, 0, 0, 0, 0);

  /* Program 3: r0 = fib(r1), naive recursion with VM calls; r9 holds 2. */
  uint32_t fib_main = here();
  emit(OP_LI, 9, 0, 0, 2);
  uint32_t call_fib = emit(OP_CALL, 0, 0, 0, 0);
  emit(OP_HALT, 0, 0, 0, 0);
  uint32_t fib = here();
  patch(call_fib, fib);
  uint32_t jbase = emit(OP_JLT, 1, 9, 0, 0);
  emit(OP_PUSH, 1, 0, 0, 0);
  emit(OP_ADDI, 1, 1, 0, -1);
  emit(OP_CALL, 0, 0, 0, (int32_t)fib);
  emit(OP_POP, 1, 0, 0, 0);
  emit(OP_PUSH, 0, 0, 0, 0);
  emit(OP_ADDI, 1, 1, 0, -2);
  emit(OP_CALL, 0, 0, 0, (int32_t)fib);
  emit(OP_POP, 5, 0, 0, 0);
  emit(OP_ADD, 0, 0, 5, 0);
  emit(OP_RET, 0, 0, 0, 0);
  patch(jbase, here());
  emit(OP_MOV, 0, 1, 0, 0);
  emit(OP_RET, 0, 0, 0, 0);

  for (int r = 0; r < reps; ++r) {
    memset(&vm, 0, sizeof vm);
    vm.reg[2] = 150000 + r;
    executed += run(&vm, code, collatz);
    int64_t steps = vm.reg[3];

    rng_seed(7 + (uint64_t)r);
    for (uint32_t i = 0; i < MEM_WORDS; ++i) vm.mem[i] = (int64_t)(rng_next() >> 8);
    vm.reg[8] = 24;
    executed += run(&vm, code, mix);
    uint64_t mh = HASH_INIT;
    for (uint32_t i = 0; i < MEM_WORDS; i += 61) mh = hash_u64(mh, (uint64_t)vm.mem[i]);

    vm.reg[1] = 27;
    executed += run(&vm, code, fib_main);
    int64_t f = vm.reg[0];

    h = hash_u64(hash_u64(hash_u64(h, (uint64_t)steps), mh), (uint64_t)f);
    if (r == reps - 1)
      printf("vm collatz_steps=%lld mix=%016llx fib=%lld\n", (long long)steps, (unsigned long long)mh,
             (long long)f);
  }
  printf("vm reps=%d executed=%llu hash=%016llx\n", reps, (unsigned long long)executed, (unsigned long long)h);
  return 0;
}
