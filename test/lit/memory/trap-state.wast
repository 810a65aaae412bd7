;; What memory and globals hold after a trap. Wasm fixes it: every store before the
;; trapping access has happened, none after. LLVM takes a load for unable to fault, so
;; with guard pages alone it may delete a store that a later store overwrites across a
;; trapping load (DSE), keep a global in a register through a loop and store it once
;; after (LICM promotion), or reorder stores with loads (vectorisation). So when the
;; optimiser runs, each access has an explicit check, a branch it respects
;; (lower/BoundsVersioning.h, lower/CheckFolding.h). fuzz/run --sets trap-state checks
;; this on random modules against V8.
;; RUN: %kiln-wast -O 0 %s | FileCheck %s
;; RUN: %kiln-wast -O 1 %s | FileCheck %s
;; RUN: %kiln-wast -O 2 %s | FileCheck %s
;; RUN: %kiln-wast -O 3 %s | FileCheck %s
;; CHECK: 30 passed, 0 failed, 0 skipped
(module
  (memory (export "memory") 1)
  (global $g (export "g") (mut i32) (i32.const 0))
  ;; Words 1..6 in the last 24 bytes of the page.
  (data (i32.const 65512) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00\05\00\00\00\06\00\00\00")
  ;; DSE: the first store is overwritten by the third, past a load that traps.
  (func (export "dse") (result i32)
    (i32.store (i32.const 8) (i32.const 1))
    (drop (i32.load (i32.const 70000)))
    (i32.store (i32.const 8) (i32.const 2))
    (i32.const 7))
  ;; LICM: $g counts iterations; the ninth load is out of bounds.
  (func (export "count") (param $n i32) (local $i i32) (local $s i32)
    (loop $l
      (global.set $g (i32.add (global.get $g) (i32.const 1)))
      (local.set $s (i32.add (local.get $s) (i32.load (i32.mul (local.get $i) (i32.const 8192)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
  ;; A vectorisable copy whose source runs past the end: every element before the trapping
  ;; one is copied (the loop's range test fails, and the checked copy of it runs).
  (func (export "copy") (param $dst i32) (param $src i32) (param $n i32) (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
        (i32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))
  ;; A loop-invariant load that traps, after the loop's first store: the store happens.
  (func (export "hoist") (param $n i32) (local $i i32)
    (loop $l
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.add (local.get $i) (i32.const 100)))
      (drop (i32.load (i32.const 70000)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
  ;; Neighbouring stores on both sides of a trapping load (SLP would merge them).
  (func (export "pair")
    (i32.store (i32.const 16) (i32.const 5))
    (drop (i32.load (i32.const 65535)))
    (i32.store (i32.const 20) (i32.const 6)))
  ;; LICM keeps $g in a register and stores it on the loop's exits, the trap's path
  ;; included: that check must not fold into its store (found by fuzz/run).
  (func (export "promote") (param $n i32) (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (global.set $g (i32.const 2))
      (i32.store (i32.mul (local.get $i) (i32.const 8192)) (i32.const 0))
      (global.set $g (i32.add (global.get $g) (i32.const 7)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))
  ;; A byte store, a store that traps, the same byte again: code generation must neither
  ;; drop the first store as overwritten nor move the last before the trap (fuzz/run).
  (func (export "overwrite") (param $a i32)
    (i32.store8 (local.get $a) (i32.const 250))
    (i32.store offset=8 (local.get $a) (i32.const 1))
    (i32.store8 (local.get $a) (i32.const 1)))
  ;; Two loads under one check, after a store: whichever faults, the store has happened.
  (func (export "cover") (param $a i32) (result i32)
    (i32.store (i32.const 32) (i32.const 9))
    (i32.add (i32.load (local.get $a)) (i32.load offset=4 (local.get $a))))
  ;; Rows of a triangle: row i stores j+1 at $base + 400 + 4j for j in [i*i, (i+1)^2). The inner
  ;; loop's range test needs the outer i*i, written in terms of the outer loop's own
  ;; values; it must fail for the row that runs off the end, mid-vector, so that every
  ;; word before the trapping one is written.
  (func (export "tri") (param $base i32) (param $n i32) (local $i i32) (local $j i32) (local $e i32)
    (local.set $i (i32.const 1))
    (block $done (loop $rows
      (br_if $done (i32.gt_u (local.get $i) (local.get $n)))
      (local.set $j (i32.mul (local.get $i) (local.get $i)))
      (local.set $e (i32.add (local.get $j) (i32.add (i32.shl (local.get $i) (i32.const 1)) (i32.const 1))))
      (loop $cols
        (i32.store (i32.add (i32.add (local.get $base) (i32.const 400)) (i32.shl (local.get $j) (i32.const 2)))
          (i32.add (local.get $j) (i32.const 1)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $cols (i32.lt_u (local.get $j) (local.get $e))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))
  ;; Four byte stores per iteration (as unrolled code has them): one range test covers
  ;; the four, and it must fail for the group that crosses the end, whose first two
  ;; bytes are written before the third traps.
  (func (export "quads") (param $a i32) (param $n i32) (local $i i32) (local $p i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $p (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))
      (i32.store8 (local.get $p) (i32.const 1))
      (i32.store8 offset=1 (local.get $p) (i32.const 2))
      (i32.store8 (i32.add (local.get $p) (i32.const 2)) (i32.const 3))
      (i32.store8 (i32.add (local.get $p) (i32.const 3)) (i32.const 4))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))
  (func (export "peek") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "peek8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "getg") (result i32) (global.get $g)))
(assert_trap (invoke "dse") "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 8)) (i32.const 1))
(assert_trap (invoke "count" (i32.const 100)) "out of bounds memory access")
(assert_return (invoke "getg") (i32.const 9))
(assert_return (invoke "peek" (i32.const 0)) (i32.const 0))
(assert_return (invoke "getg") (i32.const 9))
;; 8 words from the last 6 of the page into 1024: the first 6 are copied, then it traps.
(assert_trap (invoke "copy" (i32.const 1024) (i32.const 65512) (i32.const 8)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 1024)) (i32.const 1))
(assert_return (invoke "peek" (i32.const 1044)) (i32.const 6))
(assert_return (invoke "peek" (i32.const 1048)) (i32.const 0))
(assert_trap (invoke "hoist" (i32.const 10)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 0)) (i32.const 100))
(assert_return (invoke "peek" (i32.const 4)) (i32.const 0))
(assert_trap (invoke "pair") "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 16)) (i32.const 5))
(assert_return (invoke "peek" (i32.const 20)) (i32.const 0))
(assert_trap (invoke "promote" (i32.const 20)) "out of bounds memory access")
(assert_return (invoke "getg") (i32.const 2))
(assert_trap (invoke "overwrite" (i32.const 65528)) "out of bounds memory access")
(assert_return (invoke "peek8" (i32.const 65528)) (i32.const 250))
(assert_trap (invoke "cover" (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 32)) (i32.const 9))
;; Words j = 1..29 fit below the end (65016 + 400 + 4*30 = 65536); j = 30, mid-row 5, traps.
(assert_trap (invoke "tri" (i32.const 65016) (i32.const 8)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 65420)) (i32.const 2))
(assert_return (invoke "peek" (i32.const 65528)) (i32.const 29))
(assert_return (invoke "peek" (i32.const 65532)) (i32.const 30))
;; 20 groups from 65458: the 20th starts at 65534, its bytes 3 and 4 are past the end.
(assert_trap (invoke "quads" (i32.const 65458) (i32.const 20)) "out of bounds memory access")
(assert_return (invoke "peek" (i32.const 65530)) (i32.const 0x04030201))
(assert_return (invoke "peek8" (i32.const 65534)) (i32.const 1))
(assert_return (invoke "peek8" (i32.const 65535)) (i32.const 2))
