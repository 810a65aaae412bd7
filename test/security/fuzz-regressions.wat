;; Modules the differential fuzzer (fuzz/run) found kiln getting wrong, reduced by
;; wasm-reduce, kept as regression tests at -O0..-O3.
;; RUN: %trap-matrix %s %t
(module
  (memory 16 17)
  (global (mut i32) (i32.const 10))
  ;; SimplifyCFG sank a trap witness store and the i64.store into one store through a phi
  ;; of their pointers, and kilnc failed with "a trap witness is still in use" (-O3, simd
  ;; campaign, seed 20261202, module 5353).
  ;; EXPECT: witness_store_merged -> trap "out of bounds memory access"
  (func (export "witness_store_merged") (result i64)
    (loop $outer
      (if (i32.eqz (i32.load offset=4 (i32.const -122)))
        (then
          (drop (i32.trunc_f64_u (f64.load align=1 (i32.const 22))))
          (i64.store align=1 (i32.const 8) (i64.const 4294967295))
          (br $outer)))
      (loop $inner
        (global.set 0 (i32.const -1))
        (br_if $inner (i32.trunc_f32_u (f32.const -0x1.332c8p+18))))
      (br $outer))
    (unreachable))
;; A loop chasing loaded values: the load's extended value fed both the witness and the
  ;; next address, so it fed the witness through a shared instruction; it was not made
  ;; volatile and the first, out-of-bounds iteration did not trap at -O1..-O3 (tail-call
  ;; campaign, seed 20261202, module 5715).
  (global $hang (mut i32) (i32.const 10))
  ;; EXPECT: chased_load -> trap "out of bounds memory access"
  (func (export "chased_load") (local i32)
    (if (i32.eqz (global.get $hang)) (then (return)))
    (global.set $hang (i32.sub (global.get $hang) (i32.const 1)))
    (block $done
      (br_if $done (i32.eqz (global.get $hang)))
      (global.set $hang (i32.sub (global.get $hang) (i32.const 1)))
      (local.set 0 (i32.const -983036377))
      (loop $chase
        (br_if $done (i32.eqz (global.get $hang)))
        (global.set $hang (i32.sub (global.get $hang) (i32.const 1)))
        (br_if $done (i32.eqz (global.get $hang)))
        (global.set $hang (i32.sub (global.get $hang) (i32.const 1)))
        (br_if $chase
          (select (i32.const 65535) (i32.const -8388608)
                  (local.tee 0 (i32.load16_u offset=22 (local.get 0))))))
      (drop (i32.load16_u offset=22 (local.get 0)))))
)
