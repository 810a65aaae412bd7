;; start: the start function traps, or has a host function trap, or succeeds, depending on
;; the imported global "mode". The data segment goes into the host's memory before it runs.
(module
  (import "host" "mode" (global $mode i32))
  (import "host" "fail" (func $fail))
  (import "host" "log" (func $log (param i32)))
  (import "host" "mem" (memory 1))
  (data (i32.const 0) "ok")
  (global $started (export "started") (mut i32) (i32.const 0))
  (func $start
    (if (i32.eqz (global.get $mode)) (then (unreachable)))
    (if (i32.eq (global.get $mode) (i32.const 1)) (then (call $fail)))
    (call $log (global.get $mode))
    (global.set $started (i32.const 42)))
  (start $start)
)
