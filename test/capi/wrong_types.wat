;; wrong_types: functions to call with arguments of the wrong kinds.
(module
  (import "host" "twice" (func $twice (param i64) (result i64)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "twice") (param i64) (result i64) (call $twice (local.get 0)))
)
