;; threads: sums 1..n, calling the host for each thread's id.
(module
  (import "env" "id" (func $id (result i32)))
  (func (export "sum") (param $n i32) (result i64)
    (local $acc i64)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $n))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (i64.add (local.get $acc) (i64.extend_i32_u (call $id)))))
