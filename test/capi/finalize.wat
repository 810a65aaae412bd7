;; finalize: a small module instantiated many times.
(module
  (global $g (mut i32) (i32.const 0))
  (func (export "bump") (param i32) (result i32)
    (global.set $g (i32.add (global.get $g) (local.get 0)))
    (global.get $g))
)
