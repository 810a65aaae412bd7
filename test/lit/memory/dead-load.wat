;; A load whose value is dropped must still execute (and trap when out of bounds), so the
;; lowering makes it volatile; an ordinary load stays non-volatile and optimisable.
;; (Interruption checks are left out: test/lit/limits covers them.)
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --no-epoch-checks --emit=llvm -o - | FileCheck %s
(module
  (memory 1)
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:dropped"
  ;; CHECK: load volatile i32
  (func (export "dropped") (param i32) (drop (i32.load (local.get 0))))
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:dropped_sum"
  ;; CHECK: load volatile i8
  (func (export "dropped_sum") (param i32) (drop (i64.add (i64.load8_s (local.get 0)) (i64.const 1))))
  ;; CHECK-LABEL: define {{.*}}@"wasm[2]:before_branch"
  ;; CHECK: load volatile float
  (func (export "before_branch") (param i32) (block (f32.load (local.get 0)) (br 1)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[3]:used"
  ;; CHECK-NOT: volatile
  ;; CHECK: ret i32
  (func (export "used") (param i32) (result i32) (i32.load (local.get 0)))
)
