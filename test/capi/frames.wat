;; frames: traps at known instructions, and a chain of calls, for stack traces.
;; Function indices: 0 the import, 1 leaf, 2 middle, 3 top, 4 load.
(module
  (import "host" "unused" (func $unused))
  (memory 1)
  (func $leaf (export "leaf") (unreachable))
  (func $middle (export "middle") (call $leaf))
  (func $top (export "top") (param i32) (result i32) (call $middle) (local.get 0))
  (func $load (export "load") (param i32) (result i32) (i32.load (local.get 0)))
)
