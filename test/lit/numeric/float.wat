;; Float semantics: min/max propagate NaN and order -0 < +0 (llvm.minimum/maximum),
;; nearest rounds to even, abs/neg/copysign are bitwise, and with the default x86-64-v2
;; target the rounding ops become SSE4.1 instructions, not libcalls.
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --emit=llvm -o - | FileCheck %s
;; RUN: %kilnc %t.wasm -O2 --emit=asm -o - | FileCheck %s --check-prefix=ASM
(module
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:min"
  ;; CHECK: call float @llvm.minimum.f32
  (func (export "min") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:max"
  ;; CHECK: call double @llvm.maximum.f64
  (func (export "max") (param f64 f64) (result f64) (f64.max (local.get 0) (local.get 1)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[2]:nearest"
  ;; CHECK: call double @llvm.roundeven.f64
  ;; ASM-LABEL: nearest
  ;; ASM: roundsd $8
  ;; ASM-NOT: call
  ;; ASM: ret
  (func (export "nearest") (param f64) (result f64) (f64.nearest (local.get 0)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[3]:neg"
  ;; CHECK: fneg float
  (func (export "neg") (param f32) (result f32) (f32.neg (local.get 0)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[4]:floor"
  ;; ASM-LABEL: floor
  ;; ASM: roundss $9
  (func (export "floor") (param f32) (result f32) (f32.floor (local.get 0)))
)
