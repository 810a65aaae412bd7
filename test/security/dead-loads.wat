;; Every trap kept: an out-of-bounds load traps whether or not its value is used, at every
;; optimisation level (DESIGN.md contract 8; compiler/lower/TrapWitness.h). Each function
;; below hides a load's value from the optimiser in a different way; with an in-bounds
;; address each returns its normal result, and past the end each must trap.
;; RUN: %trap-matrix %s %t
;; WAT2WASM-FLAGS: --enable-multi-memory
(module
  (memory $m 1)
  (memory $second 1)
  (data (memory $m) (i32.const 0) "\01\02\03\04\05\06\07\08")

  ;; The local is overwritten before it is read.
  ;; EXPECT: dead_local 65536 -> trap "out of bounds memory access"
  ;; EXPECT: dead_local 0 -> 0
  (func (export "dead_local") (param i32) (result i32) (local i32)
    (local.set 1 (i32.load8_u (local.get 0)))
    (local.set 1 (i32.const 0))
    (local.get 1))
  ;; Dropped, directly and through arithmetic.
  ;; EXPECT: dropped 65536 -> trap "out of bounds memory access"
  ;; EXPECT: dropped 65533 -> trap "out of bounds memory access"
  ;; EXPECT: dropped 65532 -> 1
  (func (export "dropped") (param i32) (result i32)
    (drop (i32.load (local.get 0)))
    (drop (i64.add (i64.load8_s (local.get 0)) (i64.const 1)))
    (i32.const 1))
  ;; Algebra that makes the value irrelevant.
  ;; EXPECT: mul0 65536 -> trap "out of bounds memory access"
  ;; EXPECT: mul0 0 -> 0
  (func (export "mul0") (param i32) (result i32)
    (i32.mul (i32.load (local.get 0)) (i32.const 0)))
  ;; EXPECT: and0 65536 -> trap "out of bounds memory access"
  ;; EXPECT: and0 0 -> 0
  (func (export "and0") (param i32) (result i64)
    (i64.and (i64.load (local.get 0)) (i64.const 0)))
  ;; EXPECT: sub_self 65536 -> trap "out of bounds memory access"
  ;; EXPECT: sub_self 0 -> 0
  (func (export "sub_self") (param i32) (result i32)
    (i32.sub (i32.load (local.get 0)) (i32.load (local.get 0))))
  ;; Ranges: an 8-bit load is always below 256, its high bits are always zero.
  ;; EXPECT: range 65536 -> trap "out of bounds memory access"
  ;; EXPECT: range 0 -> 1
  (func (export "range") (param i32) (result i32)
    (i32.and
      (i32.lt_u (i32.load8_u (local.get 0)) (i32.const 256))
      (i32.eqz (i32.shr_u (i32.load16_u offset=2 (local.get 0)) (i32.const 16)))))
  ;; WasmEdge #3346: a sign-extended byte never equals 0xcafebabe.
  ;; EXPECT: never_equal 65536 -> trap "out of bounds memory access"
  ;; EXPECT: never_equal 0 -> 0
  (func (export "never_equal") (param i32) (result i32)
    (i64.eq (i64.const 0xcafebabe) (i64.load8_s (local.get 0))))
  ;; A shadowed local.tee, and a comparison of a float with itself.
  ;; EXPECT: tee 65536 -> trap "out of bounds memory access"
  ;; EXPECT: tee 0 -> 5
  (func (export "tee") (param i32) (result i32) (local i32)
    (drop (local.tee 1 (i32.load (local.get 0))))
    (local.set 1 (i32.const 5))
    (local.get 1))
  ;; EXPECT: f32_ne_self 65536 -> trap "out of bounds memory access"
  ;; EXPECT: f32_ne_self 0 -> 0
  (func (export "f32_ne_self") (param i32) (result i32)
    (f32.ne (f32.load (local.get 0)) (f32.load (local.get 0))))
  ;; select: both operands are evaluated, whatever the condition.
  ;; EXPECT: select_const 65536 -> trap "out of bounds memory access"
  ;; EXPECT: select_const 0 -> 7
  (func (export "select_const") (param i32) (result i32)
    (select (i32.const 7) (i32.load (local.get 0)) (i32.const 1)))
  ;; EXPECT: select_same 65536 -> trap "out of bounds memory access"
  ;; EXPECT: select_same 0 -> 2
  (func (export "select_same") (param i32) (result i32)
    (select (i32.const 2) (i32.const 2) (i32.load (local.get 0))))
  ;; Values a branch throws away.
  ;; EXPECT: branch_discards 65536 -> trap "out of bounds memory access"
  ;; EXPECT: branch_discards 0 -> 9
  (func (export "branch_discards") (param i32) (result i32)
    (block (result i32)
      (i32.load (local.get 0))
      (i32.const 9)
      (br 0)))
  ;; EXPECT: br_if_discards 65536 -> trap "out of bounds memory access"
  ;; EXPECT: br_if_discards 0 -> 3
  (func (export "br_if_discards") (param i32) (result i32)
    (block (result i32)
      (i32.load (local.get 0))
      (br_if 0 (i32.const 3) (i32.const 1))
      (drop)))
  ;; Before `unreachable`: the memory trap comes first.
  ;; EXPECT: before_unreachable 65536 -> trap "out of bounds memory access"
  ;; EXPECT: before_unreachable 0 -> trap "unreachable"
  (func (export "before_unreachable") (param i32)
    (drop (i32.load (local.get 0)))
    (unreachable))
  ;; Before an integer division by zero.
  ;; EXPECT: before_div0 65536 -> trap "out of bounds memory access"
  ;; EXPECT: before_div0 0 -> trap "integer divide by zero"
  (func (export "before_div0") (param i32) (result i32)
    (drop (i64.load (local.get 0)))
    (i32.div_u (i32.const 1) (i32.const 0)))
  ;; A loop whose loads go nowhere: the first out-of-bounds iteration traps.
  ;; EXPECT: dead_loop 200000 -> trap "out of bounds memory access"
  ;; EXPECT: dead_loop 65536 -> 7
  (func (export "dead_loop") (param i32) (result i32) (local i32)
    (loop $l
      (drop (i32.load8_u (local.get 1)))
      (local.set 1 (i32.add (local.get 1) (i32.const 4096)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (i32.const 7))
  ;; A vectorisable reduction whose result is discarded.
  ;; EXPECT: dead_sum 70000 -> trap "out of bounds memory access"
  ;; EXPECT: dead_sum 65536 -> 1
  (func (export "dead_sum") (param i32) (result i32) (local i32 i32)
    (loop $l
      (local.set 2 (i32.add (local.get 2) (i32.load (local.get 1))))
      (local.set 1 (i32.add (local.get 1) (i32.const 4)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (i32.const 1))
  ;; A dropped call to a function that only loads (inlined, or read-only and removable).
  (func $get (param i32) (result i64) (i64.load (local.get 0)))
  ;; EXPECT: dropped_call 65536 -> trap "out of bounds memory access"
  ;; EXPECT: dropped_call 0 -> 4
  (func (export "dropped_call") (param i32) (result i32)
    (drop (call $get (local.get 0)))
    (i32.const 4))
  ;; A load in one arm whose value the join discards.
  ;; EXPECT: dead_in_arm 65536 1 -> trap "out of bounds memory access"
  ;; EXPECT: dead_in_arm 65536 0 -> 6
  (func (export "dead_in_arm") (param i32 i32) (result i32)
    (if (local.get 1) (then (drop (f64.load (local.get 0)))))
    (i32.const 6))
  ;; Another memory (its own guard region).
  ;; EXPECT: second_memory 65536 -> trap "out of bounds memory access"
  ;; EXPECT: second_memory 0 -> 0
  (func (export "second_memory") (param i32) (result i32)
    (i32.mul (i32.load $second (local.get 0)) (i32.const 0)))
  ;; A load whose offset alone leaves the memory.
  ;; EXPECT: far_offset 0 -> trap "out of bounds memory access"
  (func (export "far_offset") (param i32)
    (drop (i32.load offset=0xFFFFFFF0 (local.get 0))))
  ;; Only some bits used: code generation would like a narrower load (the low half, the
  ;; low byte, the top byte), which would miss the bytes past the end.
  ;; EXPECT: low_half 65532 -> trap "out of bounds memory access"
  ;; EXPECT: low_half 0 -> 67305985
  (func (export "low_half") (param i32) (result i32)
    (i32.wrap_i64 (i64.load (local.get 0))))
  ;; EXPECT: low_byte 65529 -> trap "out of bounds memory access"
  ;; EXPECT: low_byte 0 -> 1
  (func (export "low_byte") (param i32) (result i64)
    (i64.and (i64.load (local.get 0)) (i64.const 0xff)))
  ;; EXPECT: top_byte 65533 -> trap "out of bounds memory access"
  ;; EXPECT: top_byte 0 -> 4
  (func (export "top_byte") (param i32) (result i32)
    (i32.shr_u (i32.load (local.get 0)) (i32.const 24)))
  ;; EXPECT: float_half 65532 -> trap "out of bounds memory access"
  ;; EXPECT: float_half 0 -> 67305985
  (func (export "float_half") (param i32) (result i32)
    (i32.wrap_i64 (i64.reinterpret_f64 (f64.load (local.get 0)))))
  ;; A global set from a load and then overwritten.
  (global $g (mut i32) (i32.const 0))
  ;; EXPECT: global_overwritten 65536 -> trap "out of bounds memory access"
  ;; EXPECT: global_overwritten 0 -> 11
  (func (export "global_overwritten") (param i32) (result i32)
    (global.set $g (i32.load (local.get 0)))
    (global.set $g (i32.const 11))
    (global.get $g))
  ;; A store to memory overwritten by a second one: the load between them still traps.
  ;; EXPECT: between_stores 65536 -> trap "out of bounds memory access"
  ;; EXPECT: between_stores 0 -> 2
  (func (export "between_stores") (param i32) (result i32)
    (i32.store (i32.const 16) (i32.const 1))
    (drop (i32.load (local.get 0)))
    (i32.store (i32.const 16) (i32.const 2))
    (i32.load (i32.const 16)))
)
