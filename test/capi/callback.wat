;; callback: host functions of every number type, with and without an environment, and a
;; host function that calls back into Wasm (recursively, through the API).
(module
  (import "host" "add_i64" (func $add_i64 (param i64 i64) (result i64)))
  (import "host" "mix" (func $mix (param i32 i64 f32 f64) (result f64)))
  (import "host" "counter" (func $counter (result i32)))
  (import "host" "reenter" (func $reenter (param i32) (result i32)))

  (func (export "add") (param i64 i64) (result i64)
    (call $add_i64 (local.get 0) (local.get 1)))

  ;; mix(a, b, c, d) * 2
  (func (export "mix2") (param i32 i64 f32 f64) (result f64)
    (f64.mul
      (call $mix (local.get 0) (local.get 1) (local.get 2) (local.get 3))
      (f64.const 2)))

  ;; The third value of the host counter.
  (func (export "count3") (result i32)
    (drop (call $counter))
    (drop (call $counter))
    (call $counter))

  ;; down(n) = n + reenter(n - 1) for n > 0; the host's reenter(m) calls down(m).
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else
        (i32.add
          (local.get 0)
          (call $reenter (i32.sub (local.get 0) (i32.const 1)))))))
)
