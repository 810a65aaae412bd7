;; Loops over linear memory are vectorised. A Wasm address is zext(i32 index), and 32-bit
;; index arithmetic may wrap; kilnc keeps that zext visible to the loop vectoriser (no
;; induction-variable widening into `and i64` masks), which then versions the loop with a
;; run-time no-wrap check and vectorises it. No interruption checks stand in the way either
;; (the loader interrupts by signal). The loop's bounds checks do not either: one test before
;; the loop covers every access of every iteration, and the copy it selects has none, so
;; its loads and stores are plain (lower/BoundsVersioning.h). The other copy keeps its
;; checks, folded into its accesses, and stays scalar.
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --target-cpu=x86-64-v3 --emit=llvm -o - | FileCheck %s
;; With polling interruption checks the loops keep their early exit and stay scalar.
;; RUN: %kilnc %t.wasm -O2 --target-cpu=x86-64-v3 --epoch-checks --emit=llvm -o - | FileCheck %s --check-prefix=EPOCH
(module
  (memory 64)
  ;; for (i = 0; i < n; ++i) dst[i] += src[i];
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:add_arrays"
  ;; CHECK: br i1 %{{.*}}, label %{{.*}}inbounds{{.*}}, label %[[SLOW:.*checked]], !prof
  ;; CHECK: [[SLOW]]:
  ;; CHECK: load volatile i32
  ;; CHECK: !llvm.loop
  ;; CHECK: load <8 x i32>
  ;; CHECK: add <8 x i32>
  ;; CHECK: store <8 x i32>
  ;; EPOCH-LABEL: define {{.*}}@"wasm[0]:add_arrays"
  ;; EPOCH-NOT: <8 x i32>
  ;; EPOCH: }
  (func $add_arrays (export "add_arrays") (param $dst i32) (param $src i32) (param $n i32)
    (local $i i32) (local $a i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))))
        (i32.store (local.get $a)
          (i32.add (i32.load (local.get $a))
                   (i32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))
  ;; The shape clang gives a loop over a static array: a counter from -N up to 0, with the
  ;; array's address folded into each access. The sum is a reduction.
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:sum_static"
  ;; CHECK: load <8 x i32>
  ;; CHECK: add <8 x i32>
  (func $sum_static (export "sum_static") (result i32)
    (local $i i32) (local $s i32)
    (local.set $i (i32.const -262144))
    (loop $l
      (local.set $s (i32.add (local.get $s)
                             (i32.load (i32.add (local.get $i) (i32.const 1310720)))))
      (br_if $l (local.tee $i (i32.add (local.get $i) (i32.const 4)))))
    (local.get $s)))
;; CHECK: !{!"kiln.bounds.checked", i32 1}
