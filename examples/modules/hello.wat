;; hello: calls the host's "env" "log" with a number, and adds.
(module
  (import "env" "log" (func $log (param i32)))
  (func (export "run") (param i32) (result i32)
    (call $log (local.get 0))
    (i32.add (local.get 0) (i32.const 1))))
