;; A signalling NaN through an arithmetic op whose other operand makes it an identity
;; (x*1, x/1, x+-0, x-0, -0-x, also as a SIMD constant) comes out as an arithmetic
;; (quiet) NaN, at every -O level: the op is not folded away.
;; RUN: %kiln-wast -O 0 %s | FileCheck %s
;; RUN: %kiln-wast -O 2 %s | FileCheck %s
;; RUN: %kiln-wast -O 3 %s | FileCheck %s
;; CHECK: 15 passed, 0 failed, 0 skipped
(module
  (func (export "mul1") (param f32) (result f32) (f32.mul (local.get 0) (f32.const 1)))
  (func (export "div1") (param f64) (result f64) (f64.div (local.get 0) (f64.const 1)))
  (func (export "divm1") (param f64) (result f64) (f64.div (local.get 0) (f64.const -1)))
  (func (export "addm0") (param f32) (result f32) (f32.add (local.get 0) (f32.const -0)))
  (func (export "sub0") (param f64) (result f64) (f64.sub (local.get 0) (f64.const 0)))
  (func (export "neg") (param f64) (result f64) (f64.sub (f64.const -0) (local.get 0)))
  (func (export "recip") (param f64) (result f64) (f64.div (f64.const 1) (local.get 0)))
  (func (export "v_div1") (param v128) (result v128)
    (f32x4.div (local.get 0) (v128.const f32x4 1 1 1 1)))
  (func (export "v_mul1") (param v128) (result v128)
    (f64x2.mul (v128.const f64x2 1 1) (local.get 0)))
  (func (export "v_addm0") (param v128) (result v128)
    (f32x4.add (local.get 0) (v128.const f32x4 -0 -0 -0 -0)))
  (func (export "v_recip") (param v128) (result v128)
    (f32x4.div (v128.const f32x4 1 1 1 1) (local.get 0)))
  (func (export "demote_promote") (param f32) (result f32)
    (f32.demote_f64 (f64.promote_f32 (local.get 0)))))
(assert_return (invoke "mul1" (f32.const nan:0x200000)) (f32.const nan:arithmetic))
(assert_return (invoke "div1" (f64.const nan:0x4000000000000)) (f64.const nan:arithmetic))
(assert_return (invoke "divm1" (f64.const nan:0x4000000000000)) (f64.const nan:arithmetic))
(assert_return (invoke "addm0" (f32.const nan:0x200000)) (f32.const nan:arithmetic))
(assert_return (invoke "sub0" (f64.const nan:0x4000000000000)) (f64.const nan:arithmetic))
(assert_return (invoke "neg" (f64.const nan:0x4000000000000)) (f64.const nan:arithmetic))
(assert_return (invoke "recip" (f64.const 4)) (f64.const 0.25))
(assert_return (invoke "recip" (f64.const nan:0x4000000000000)) (f64.const nan:arithmetic))
(assert_return (invoke "v_div1" (v128.const i32x4 0x7fa00000 0x7fa00000 0x7fa00000 0x7fa00000))
  (v128.const f32x4 nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic))
(assert_return (invoke "v_mul1" (v128.const i64x2 0x7ff4000000000000 0x7ff4000000000000))
  (v128.const f64x2 nan:arithmetic nan:arithmetic))
(assert_return (invoke "v_addm0" (v128.const i32x4 0x7fa00000 0x7fa00000 0x7fa00000 0x7fa00000))
  (v128.const f32x4 nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic))
(assert_return (invoke "v_recip" (v128.const f32x4 4 2 0.5 1)) (v128.const f32x4 0.25 0.5 2 1))
(assert_return (invoke "v_recip" (v128.const i32x4 0x7fa00000 0x7fa00000 0x7fa00000 0x7fa00000))
  (v128.const f32x4 nan:arithmetic nan:arithmetic nan:arithmetic nan:arithmetic))
(assert_return (invoke "v_div1" (v128.const f32x4 1.5 -2 0 3)) (v128.const f32x4 1.5 -2 0 3))
(assert_return (invoke "demote_promote" (f32.const nan:0x200000)) (f32.const nan:arithmetic))
