;; multi: functions with several results, from the host and from Wasm.
(module
  (import "host" "rotate" (func $rotate (param i32 i64 f32 f64) (result f64 i32 i64 f32)))
  (func (export "roundtrip") (param i32 i64 f32 f64) (result f64 i32 i64 f32)
    (call $rotate (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "swap") (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
  (func (export "triple") (result i32 i64 f64) (i32.const 1) (i64.const -2) (f64.const 3.5))
  (func (export "divmod") (param i32 i32) (result i32 i32)
    (i32.div_u (local.get 0) (local.get 1))
    (i32.rem_u (local.get 0) (local.get 1)))
  ;; Consumes the host's four results inside Wasm: i32 + (i32)i64 + (i32)f32 + (i32)f64.
  (func (export "sum_rotated") (param i32 i64 f32 f64) (result i32)
    (local $a f64) (local $b i32) (local $c i64) (local $d f32)
    (call $rotate (local.get 0) (local.get 1) (local.get 2) (local.get 3))
    (local.set $d) (local.set $c) (local.set $b) (local.set $a)
    (i32.add
      (i32.add (local.get $b) (i32.wrap_i64 (local.get $c)))
      (i32.add (i32.trunc_f32_s (local.get $d)) (i32.trunc_f64_s (local.get $a)))))
)
