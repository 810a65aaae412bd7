;; Every trap kept. When the optimiser runs, each access to a 32-bit memory has an explicit
;; bounds check, a branch to the trap that no pass deletes: a load whose value is unused
;; goes, its check stays. Where the access is still right behind its check after
;; optimisation, the check folds back into it (lower/CheckFolding.h) and the access is
;; volatile, so code generation can neither delete, narrow nor move it. At -O0 the guard
;; pages alone catch the access, kept by a trap witness (lower/TrapWitness.h), and no
;; witness is left in the module. test/security/dead-loads*.wat runs these at -O0..-O3;
;; perf/vectorize.wat shows that loops over memory still vectorise.
;; (Interruption checks are left out: test/lit/limits covers them.)
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --no-epoch-checks --emit=llvm -o - | FileCheck %s --implicit-check-not=kiln.trap_witness
;; RUN: %kilnc %t.wasm -O0 --no-epoch-checks --emit=llvm -o - | FileCheck %s --check-prefix=O0 --implicit-check-not=kiln.trap_witness
(module
  (memory 1)
  ;; The load goes; its check (address + 4 against the memory's length) stays.
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:dropped"
  ;; CHECK: [[END:%.*]] = add nuw nsw i64 %{{.*}}, 4
  ;; CHECK-NEXT: [[OOB:%.*]] = icmp ugt i64 [[END]], %{{.*}}
  ;; CHECK-NEXT: br i1 [[OOB]], label %[[TRAP:.*]], label %[[OK:.*]], !prof
  ;; CHECK: [[OK]]:
  ;; CHECK-NEXT: ret void
  ;; CHECK: [[TRAP]]:
  ;; CHECK: call void %{{.*}}(ptr {{.*}}%vmctx, i32 2)
  ;; CHECK-NEXT: unreachable
  (func (export "dropped") (param i32) (drop (i32.load (local.get 0))))
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:times_zero"
  ;; CHECK: icmp ugt i64
  ;; CHECK: ret i32 0
  ;; CHECK: call void %{{.*}}(ptr {{.*}}%vmctx, i32 2)
  (func (export "times_zero") (param i32) (result i32)
    (i32.mul (i32.load (local.get 0)) (i32.const 0)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[2]:before_branch"
  ;; CHECK: icmp ugt i64
  ;; CHECK: call void %{{.*}}(ptr {{.*}}%vmctx, i32 2)
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
