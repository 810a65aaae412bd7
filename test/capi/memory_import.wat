;; memory (second module): a memory imported from the host.
(module
  (import "host" "mem" (memory 1 4))
  (data (i32.const 16) "kiln")
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
)
