;; SIMD128 ops become x86 vector instructions, not scalar code: integer lane arithmetic,
;; comparisons, bitmask, swizzle (pshufb with out-of-range lanes zeroed), narrowing,
;; dot products, rounding and the saturating float->int conversions.
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --emit=asm -o - | FileCheck %s
;; RUN: %kilnc %t.wasm -O2 --emit=llvm -o - | FileCheck %s --check-prefix=IR
(module
  ;; CHECK-LABEL: "wasm[0]:add":
  ;; CHECK-NOT: call
  ;; CHECK: paddd
  ;; CHECK-NOT: call
  ;; CHECK: retq
  ;; IR-LABEL: define {{.*}}@"wasm[0]:add"
  ;; IR: add <4 x i32>
  (func (export "add") (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
  ;; CHECK-LABEL: "wasm[1]:bitmask":
  ;; CHECK: pmovmskb
  (func (export "bitmask") (param v128) (result i32) (i8x16.bitmask (local.get 0)))
  ;; CHECK-LABEL: "wasm[2]:swizzle":
  ;; CHECK: paddusb
  ;; CHECK: pshufb
  (func (export "swizzle") (param v128 v128) (result v128) (i8x16.swizzle (local.get 0) (local.get 1)))
  ;; CHECK-LABEL: "wasm[3]:narrow":
  ;; CHECK: packsswb
  (func (export "narrow") (param v128 v128) (result v128) (i8x16.narrow_i16x8_s (local.get 0) (local.get 1)))
  ;; CHECK-LABEL: "wasm[4]:dot":
  ;; CHECK: pmaddwd
  (func (export "dot") (param v128 v128) (result v128) (i32x4.dot_i16x8_s (local.get 0) (local.get 1)))
  ;; CHECK-LABEL: "wasm[5]:nearest":
  ;; CHECK: roundps $8
  (func (export "nearest") (param v128) (result v128) (f32x4.nearest (local.get 0)))
  ;; CHECK-LABEL: "wasm[6]:trunc_sat":
  ;; CHECK-NOT: cvttss2si
  ;; CHECK: cvttps2dq
  ;; CHECK-NOT: cvttss2si
  ;; CHECK-LABEL: "wasm[7]:cmp":
  (func (export "trunc_sat") (param v128) (result v128) (i32x4.trunc_sat_f32x4_u (local.get 0)))
  ;; CHECK: pcmpgtb
  (func (export "cmp") (param v128 v128) (result v128) (i8x16.gt_s (local.get 0) (local.get 1)))
  ;; CHECK-LABEL: "wasm[8]:q15":
  ;; CHECK: pmulhrsw
  ;; CHECK: pcmpeqw
  ;; CHECK: pxor
  (func (export "q15") (param v128 v128) (result v128) (i16x8.q15mulr_sat_s (local.get 0) (local.get 1)))
  ;; The memory strategy is unchanged for vector loads: the check folds back into the
  ;; guard pages (lower/CheckFolding.h).
  ;; IR-LABEL: define {{.*}}@"wasm[9]:load"
  ;; IR: [[A:%.*]] = zext i32 %{{.*}} to i64
  ;; IR: [[P:%.*]] = getelementptr inbounds i8, ptr %{{.*}}, i64 [[A]]
  ;; IR-NEXT: [[EA:%.*]] = getelementptr inbounds i8, ptr [[P]], i64 16
  ;; IR-NEXT: load volatile <2 x i64>, ptr [[EA]], align 1
  ;; IR-NEXT: ret <2 x i64>
  (memory 1)
  (func (export "load") (param i32) (result v128) (v128.load offset=16 (local.get 0)))
)
