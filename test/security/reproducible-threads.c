// Reproducible builds whatever the thread count: a module large enough for kilnc to split
// its code generation into parts gives the same artifact with -j1, -j2 and one thread per
// core (the default), and the split artifact computes what the program should.
// RUN: %clang-wasi %s -o %t.wasm
// RUN: rm -rf %t.d && mkdir -p %t.d
// RUN: %kilnc %t.wasm -O0 -j1 -v -o %t.d/j1.so 2>&1 | FileCheck %s --check-prefix=SPLIT
// SPLIT: code generation in {{([2-9]|[1-9][0-9]+)}} parts on 1 thread
// RUN: %kilnc %t.wasm -O0 -j2 -o %t.d/j2.so
// RUN: %kilnc %t.wasm -O0 -o %t.d/all.so
// RUN: cmp %t.d/j1.so %t.d/j2.so
// RUN: cmp %t.d/j1.so %t.d/all.so
// RUN: %kiln run %t.d/j2.so | FileCheck %s
// CHECK: sum 784145806
#include <stdio.h>

#define F(n)                                                 \
  __attribute__((noinline)) static unsigned f##n(unsigned x) { \
    unsigned a = x * (n##u + 1) + 7;                         \
    for (unsigned i = 0; i < (x & 15); ++i) {                \
      a ^= a << 5;                                           \
      a += i * n##u;                                         \
      a ^= a >> 7;                                           \
    }                                                        \
    return a;                                                \
  }
#define D(p) F(p##0) F(p##1) F(p##2) F(p##3) F(p##4) F(p##5) F(p##6) F(p##7) F(p##8) F(p##9)
#define D2(p) D(p##0) D(p##1) D(p##2) D(p##3) D(p##4) D(p##5) D(p##6) D(p##7) D(p##8) D(p##9)
D2(1) D2(2) D2(3) D2(4) D2(5) D2(6) D2(7) D2(8) D2(9)

#define P(n) f##n,
#define PD(p) P(p##0) P(p##1) P(p##2) P(p##3) P(p##4) P(p##5) P(p##6) P(p##7) P(p##8) P(p##9)
#define PD2(p) PD(p##0) PD(p##1) PD(p##2) PD(p##3) PD(p##4) PD(p##5) PD(p##6) PD(p##7) PD(p##8) PD(p##9)
static unsigned (*const table[])(unsigned) = {PD2(1) PD2(2) PD2(3) PD2(4) PD2(5) PD2(6) PD2(7)
                                                  PD2(8) PD2(9)};

int main(void) {
  unsigned sum = 0;
  for (unsigned round = 0; round < 3; ++round)
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; ++i) sum += table[i](sum + i);
  printf("sum %u\n", sum);
  return 0;
}
