;; A trap three calls deep: $inner (2) loads out of bounds, called by $middle (1), called
;; by $outer (0), the export.
(module
  (memory 1)
  (func $outer (export "outer") (param i32) (result i32)
    (i32.add (call $middle (local.get 0)) (i32.const 1)))
  (func $middle (param i32) (result i32)
    (i32.mul (call $inner (local.get 0)) (i32.const 2)))
  (func $inner (param i32) (result i32)
    (i32.load (local.get 0)))
)
