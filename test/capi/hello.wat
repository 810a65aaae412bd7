;; hello: a host function imported and called from Wasm.
(module
  (import "host" "hello" (func $hello (param i32)))
  (func (export "first") (result i32) (i32.const 7))
  (func (export "run") (param i32) (result i32)
    (call $hello (local.get 0))
    (i32.add (local.get 0) (i32.const 1)))
)
