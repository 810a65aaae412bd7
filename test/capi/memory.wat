;; memory: a memory defined and exported by the module, with a maximum.
(module
  (memory (export "memory") 2 3)
  (data (i32.const 0x1000) "\01\02\03\04")
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load8_s (local.get 0)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
)
