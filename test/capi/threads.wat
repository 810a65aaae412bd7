;; threads: run(n, k) = sum over i < n of cb(i + k), with cb a host function; counts runs.
(module
  (import "host" "cb" (func $cb (param i32) (result i32)))
  (global $runs (export "runs") (mut i32) (i32.const 0))
  (func (export "run") (param $n i32) (param $k i32) (result i32)
    (local $i i32) (local $sum i32)
    (global.set $runs (i32.add (global.get $runs) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum
          (i32.add (local.get $sum) (call $cb (i32.add (local.get $i) (local.get $k)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum))
)
