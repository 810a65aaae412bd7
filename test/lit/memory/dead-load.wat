;; Every trap kept (compiler/lower/TrapWitness.h): the optimiser keeps every load (a trap
;; witness uses its value) while it folds what the value feeds, and after optimisation each
;; load left is volatile, so that code generation can neither delete, narrow nor move it.
;; No witness is left in the module. test/security/dead-loads*.wat runs these at -O0..-O3;
;; perf/vectorize.wat shows that loops over memory still vectorise.
;; (Interruption checks are left out: test/lit/limits covers them.)
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --no-epoch-checks --emit=llvm -o - | FileCheck %s --implicit-check-not=kiln.trap_witness
;; RUN: %kilnc %t.wasm -O0 --no-epoch-checks --emit=llvm -o - | FileCheck %s --check-prefix=O0 --implicit-check-not=kiln.trap_witness
(module
  (memory 1)
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:dropped"
  ;; CHECK: load volatile i32
  ;; CHECK-NEXT: ret void
  (func (export "dropped") (param i32) (drop (i32.load (local.get 0))))
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:times_zero"
  ;; CHECK: load volatile i32
  ;; CHECK-NEXT: ret i32 0
  (func (export "times_zero") (param i32) (result i32)
    (i32.mul (i32.load (local.get 0)) (i32.const 0)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[2]:before_branch"
  ;; CHECK: load volatile {{float|i32}}
  (func (export "before_branch") (param i32) (block (f32.load (local.get 0)) (br 1)))
  ;; Only the low half used: the load stays 8 bytes wide (code generation would load 4).
  ;; CHECK-LABEL: define {{.*}}@"wasm[3]:low_half"
  ;; CHECK: [[V:%.*]] = load volatile i64
  ;; CHECK-NEXT: trunc i64 [[V]] to i32
  (func (export "low_half") (param i32) (result i32) (i32.wrap_i64 (i64.load (local.get 0))))
  ;; CHECK-LABEL: define {{.*}}@"wasm[4]:used"
  ;; CHECK: [[U:%.*]] = load volatile i32
  ;; CHECK-NEXT: ret i32 [[U]]
  (func (export "used") (param i32) (result i32) (i32.load (local.get 0)))
)
;; The same at -O0, where only mem2reg runs.
;; O0-LABEL: define {{.*}}@"wasm[1]:times_zero"
;; O0: load volatile i32
;; O0-LABEL: define {{.*}}@"wasm[4]:used"
;; O0: load volatile i32
