;; Every trap kept, for the other trapping operations: each traps with its spec text at
;; every optimisation level even when its result is dropped, its operands are constants,
;; or dead code surrounds it.
;; RUN: %trap-matrix %s %t
(module
  (type $v (func))
  (type $i (func (result i32)))
  (memory 1)
  (table $t 4 funcref)
  (table $x 2 externref)
  (elem (table $t) (i32.const 0) func $nop)
  (data $d "abcd")
  (data (i32.const 0) "\01\02\03\04")
  (func $nop)

  ;; EXPECT: div_dropped 0 -> trap "integer divide by zero"
  ;; EXPECT: div_dropped 1 -> 0
  (func (export "div_dropped") (param i32) (result i32)
    (drop (i32.div_s (i32.const 7) (local.get 0)))
    (drop (i64.rem_u (i64.const 7) (i64.extend_i32_u (local.get 0))))
    (i32.const 0))
  ;; EXPECT: div_const 0 -> trap "integer divide by zero"
  (func (export "div_const") (param i32) (result i32)
    (drop (i32.div_u (i32.const 1) (i32.const 0)))
    (i32.const 0))
  ;; EXPECT: div_overflow -1 -> trap "integer overflow"
  ;; EXPECT: div_overflow 1 -> 0
  (func (export "div_overflow") (param i32) (result i32)
    (drop (i32.div_s (i32.const 0x80000000) (local.get 0)))
    (drop (i64.div_s (i64.const 0x8000000000000000) (i64.extend_i32_s (local.get 0))))
    (i32.const 0))
  ;; EXPECT: rem_times_zero 0 -> trap "integer divide by zero"
  (func (export "rem_times_zero") (param i32) (result i32)
    (i32.mul (i32.rem_u (i32.const 5) (local.get 0)) (i32.const 0)))
  ;; EXPECT: trunc_nan 0 -> trap "invalid conversion to integer"
  ;; EXPECT: trunc_nan 1 -> 0
  (func (export "trunc_nan") (param i32) (result i32)
    (drop (i32.trunc_f32_s
      (select (f32.const nan) (f32.const 1) (i32.eqz (local.get 0)))))
    (i32.const 0))
  ;; EXPECT: trunc_big 0 -> trap "integer overflow"
  ;; EXPECT: trunc_big 1 -> 0
  (func (export "trunc_big") (param i32) (result i32)
    (drop (i64.trunc_f64_u
      (select (f64.const 1e20) (f64.const 1) (i32.eqz (local.get 0)))))
    (i32.const 0))
  ;; EXPECT: trunc_const 0 -> trap "integer overflow"
  (func (export "trunc_const") (param i32) (result i32)
    (i32.and (i32.trunc_f64_s (f64.const 3e9)) (i32.const 0)))
  ;; EXPECT: table_get_dropped 4 -> trap "out of bounds table access"
  ;; EXPECT: table_get_dropped 3 -> 0
  (func (export "table_get_dropped") (param i32) (result i32)
    (drop (table.get $t (local.get 0)))
    (drop (table.get $x (i32.const 1)))
    (i32.const 0))
  ;; EXPECT: table_set_dead 2 -> trap "out of bounds table access"
  ;; EXPECT: table_set_dead 1 -> 0
  (func (export "table_set_dead") (param i32) (result i32)
    (table.set $x (local.get 0) (ref.null extern))
    (table.set $x (i32.const 0) (ref.null extern))
    (i32.const 0))
  ;; EXPECT: call_indirect_oob 4 -> trap "undefined element"
  ;; EXPECT: call_indirect_oob 1 -> trap "uninitialized element"
  ;; EXPECT: call_indirect_oob 0 -> 0
  (func (export "call_indirect_oob") (param i32) (result i32)
    (call_indirect $t (type $v) (local.get 0))
    (i32.const 0))
  ;; EXPECT: call_indirect_type 0 -> trap "indirect call type mismatch"
  (func (export "call_indirect_type") (param i32) (result i32)
    (drop (call_indirect $t (type $i) (local.get 0)))
    (i32.const 0))
  ;; memory.fill and memory.copy check their whole range even when it is empty.
  ;; EXPECT: fill_empty_oob 65537 -> trap "out of bounds memory access"
  ;; EXPECT: fill_empty_oob 65536 -> 0
  (func (export "fill_empty_oob") (param i32) (result i32)
    (memory.fill (local.get 0) (i32.const 0) (i32.const 0))
    (i32.const 0))
  ;; EXPECT: copy_oob 65535 -> trap "out of bounds memory access"
  ;; EXPECT: copy_oob 65534 -> 0
  (func (export "copy_oob") (param i32) (result i32)
    (memory.copy (i32.const 0) (local.get 0) (i32.const 2))
    (i32.const 0))
  ;; EXPECT: init_dropped 1 -> trap "out of bounds memory access"
  ;; EXPECT: init_dropped 0 -> 0
  (func (export "init_dropped") (param i32) (result i32)
    (if (local.get 0) (then (data.drop $d)))
    (memory.init $d (i32.const 0) (i32.const 0) (i32.const 4))
    (i32.const 0))
  ;; Order: a load whose value only the non-trapping path uses still traps first (code
  ;; generation would like to sink it past the explicit check).
  (type $takes_i32 (func (param i32) (result i32)))
  ;; EXPECT: load_then_call_indirect 65536 -> trap "out of bounds memory access"
  ;; EXPECT: load_then_call_indirect 0 -> trap "undefined element"
  (func (export "load_then_call_indirect") (param i32) (result i32)
    (call_indirect $t (type $takes_i32) (i32.load16_s offset=2 (local.get 0)) (i32.const 15)))
  ;; EXPECT: load_then_div0 65536 0 -> trap "out of bounds memory access"
  ;; EXPECT: load_then_div0 0 0 -> trap "integer divide by zero"
  ;; EXPECT: load_then_div0 0 1 -> 67305985
  (func (export "load_then_div0") (param i32 i32) (result i32)
    (i32.div_u (i32.load (local.get 0)) (local.get 1)))
  ;; EXPECT: load_then_trunc 65536 -> trap "out of bounds memory access"
  ;; EXPECT: load_then_trunc 0 -> trap "invalid conversion to integer"
  (func (export "load_then_trunc") (param i32) (result i32)
    (i32.add (i32.load (local.get 0)) (i32.trunc_f32_s (f32.const nan))))
  ;; Dead code after the trap does not move it.
  ;; EXPECT: unreachable_first 0 -> trap "unreachable"
  (func (export "unreachable_first") (param i32) (result i32)
    (block (result i32)
      (unreachable)
      (drop (i32.div_u (i32.const 1) (i32.const 0)))
      (i32.const 1)))
  ;; EXPECT: trap_in_loop 3 -> trap "integer divide by zero"
  (func (export "trap_in_loop") (param i32) (result i32) (local i32)
    (loop $l
      (drop (i32.div_u (i32.const 1) (i32.sub (local.get 0) (local.get 1))))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br $l))
    (i32.const 0))
)
