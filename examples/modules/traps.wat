;; traps: one way to fail per export, and a host function that fails.
(module
  (import "env" "fail" (func $fail))
  (memory 1)
  (func $crash (export "crash") unreachable)
  (func (export "divide") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "host") (call $fail))
  (func (export "nested") (call $crash)))
