;; serialize: a module with an import, state, a data segment and some arithmetic.
(module
  (import "host" "base" (func $base (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "serialized")
  (global $counter (mut i32) (i32.const 0))
  (func (export "next") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.add (call $base) (global.get $counter)))
  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.le_u (local.get 0) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
)
