;; trap: traps raised by Wasm code and by a host function. Function indices: 0 is the
;; import, 1 unreachable, 2 div, 3 outer, 4 call_host.
(module
  (import "host" "fail" (func $fail))
  (func $unreachable (export "unreachable") (unreachable))
  (func $div (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func $outer (export "outer") (call $unreachable))
  (func $call_host (export "call_host") (call $fail))
)
