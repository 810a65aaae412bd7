;; table: a funcref table defined and exported by the module, and one imported from the
;; host; call_indirect through both.
(module
  (import "host" "tab" (table $ht 2 10 funcref))
  (type $i2i (func (param i32) (result i32)))
  (table $t 3 6 funcref)

  (func $double (type $i2i) (i32.mul (local.get 0) (i32.const 2)))
  (func $neg (type $i2i) (i32.sub (i32.const 0) (local.get 0)))
  (func $wrong (param i64) (result i64) (local.get 0))

  (elem (table $t) (i32.const 0) func $double $wrong)
  (elem (table $ht) (i32.const 1) func $neg)

  (func (export "call") (param i32 i32) (result i32)
    (call_indirect $t (type $i2i) (local.get 1) (local.get 0)))
  (func (export "call_host") (param i32 i32) (result i32)
    (call_indirect $ht (type $i2i) (local.get 1) (local.get 0)))
  (func (export "size") (result i32) (table.size $t))
  (func (export "host_size") (result i32) (table.size $ht))

  (export "table" (table $t))
  (export "double" (func $double))
)
