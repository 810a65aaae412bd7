;; Every trap kept, for SIMD loads: each kind of v128 load traps past the end of memory at
;; every optimisation level, even when its value is dropped or cannot matter.
;; RUN: %trap-matrix %s %t
(module
  (memory 1)
  ;; EXPECT: v128_dropped 65536 -> trap "out of bounds memory access"
  ;; EXPECT: v128_dropped 65521 -> trap "out of bounds memory access"
  ;; EXPECT: v128_dropped 65520 -> 1
  (func (export "v128_dropped") (param i32) (result i32)
    (drop (v128.load (local.get 0)))
    (i32.const 1))
  ;; EXPECT: v128_and0 65536 -> trap "out of bounds memory access"
  ;; EXPECT: v128_and0 0 -> 0
  (func (export "v128_and0") (param i32) (result i32)
    (i32x4.extract_lane 0 (v128.and (v128.load (local.get 0)) (v128.const i64x2 0 0))))
  ;; EXPECT: extend_unused_lane 65536 -> trap "out of bounds memory access"
  ;; EXPECT: extend_unused_lane 0 -> 0
  (func (export "extend_unused_lane") (param i32) (result i32)
    (i32x4.extract_lane 1 (v128.and (v128.load8x8_u (local.get 0)) (v128.const i32x4 -1 0 -1 -1))))
  ;; One lane used: a 16-byte access that is partly past the end traps as a whole.
  ;; EXPECT: first_lane 65524 -> trap "out of bounds memory access"
  ;; EXPECT: first_lane 65520 -> 0
  (func (export "first_lane") (param i32) (result i32)
    (i32x4.extract_lane 0 (v128.load (local.get 0))))
  ;; EXPECT: first_f64_lane 65528 -> trap "out of bounds memory access"
  ;; EXPECT: first_f64_lane 65520 -> 0
  (func (export "first_f64_lane") (param i32) (result f64)
    (f64x2.extract_lane 0 (v128.load (local.get 0))))
  ;; EXPECT: low_lanes 65528 -> trap "out of bounds memory access"
  ;; EXPECT: low_lanes 65520 -> 0
  (func (export "low_lanes") (param i32) (result i32)
    (i32x4.extract_lane 1
      (i8x16.shuffle 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 (v128.load (local.get 0)) (v128.const i64x2 0 0))))
  ;; EXPECT: splat_dropped 65536 -> trap "out of bounds memory access"
  ;; EXPECT: splat_dropped 0 -> 2
  (func (export "splat_dropped") (param i32) (result i32)
    (drop (v128.load32_splat (local.get 0)))
    (i32.const 2))
  ;; EXPECT: lane_overwritten 65536 -> trap "out of bounds memory access"
  ;; EXPECT: lane_overwritten 0 -> 5
  (func (export "lane_overwritten") (param i32) (result i32)
    (i32x4.extract_lane 0
      (i32x4.replace_lane 0
        (v128.load32_lane 0 (local.get 0) (v128.const i64x2 0 0))
        (i32.const 5))))
  ;; EXPECT: zero_dropped 65536 -> trap "out of bounds memory access"
  ;; EXPECT: zero_dropped 0 -> 3
  (func (export "zero_dropped") (param i32) (result i32)
    (drop (v128.load64_zero (local.get 0)))
    (i32.const 3))
)
