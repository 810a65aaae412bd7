;; --timeout interrupts code that never calls out: a tight loop with no calls, from an export
;; and from _start, ends within 1 s of a 100 ms deadline with the trap "interrupted"; code
;; that finishes in time is not disturbed. The code has no checks (kiln signals the thread
;; and unwinds it from wherever it is in Wasm code); a loop that spends its time in
;; builtins (memory.fill, memory.copy) or host functions stops when one returns. Artifacts
;; compiled with --epoch-checks are interrupted the same way.
;; RUN: %wat2wasm %s -o %t.wasm && %kilnc %t.wasm -o %t.so
;; RUN: %expect-trap --within 1 "interrupted" -- %kiln run %t.so --invoke spin --timeout 100ms
;; RUN: %expect-trap --within 1 "interrupted" -- %kiln run %t.so --timeout 100ms
;; RUN: %expect-trap --within 1 "interrupted" -- %kiln run %t.so --invoke calls --timeout 100ms
;; RUN: %expect-trap --within 1 "interrupted" -- %kiln run %t.so --isolate --invoke spin --timeout 100ms
;; RUN: %expect-trap --within 1 "interrupted" -- %kiln run %t.so --invoke fill --timeout 100ms
;; RUN: %expect-trap --within 1 "interrupted" -- %kiln run %t.so --isolate --invoke copy --timeout 100ms
;; RUN: %expect-trap --within 1 "interrupted" -- %kiln run %t.so --invoke host --timeout 100ms
;; RUN: %kilnc %t.wasm --epoch-checks -o %t.epoch.so
;; RUN: %expect-trap --within 1 "interrupted" -- %kiln run %t.epoch.so --invoke spin --timeout 100ms
;; RUN: %kiln run %t.so --invoke quick --timeout 100ms | FileCheck %s
;; CHECK: 7
;; RUN: not %kiln run %t.so --invoke spin --timeout 1x 2>&1 | FileCheck %s --check-prefix=BAD
;; BAD: --timeout expects a DURATION
(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (memory 4)
  (func (export "spin") (loop (br 0)))
  (func (export "fill") (loop (memory.fill (i32.const 0) (i32.const 1) (i32.const 262144)) (br 0)))
  (func (export "copy")
    (loop (memory.copy (i32.const 0) (i32.const 131072) (i32.const 131072)) (br 0)))
  (func (export "host") (loop (drop (call $yield)) (br 0)))
  (func (export "_start") (loop (br 0)))
  ;; A loop whose body only calls a leaf: the checks at entries and loop headers both run.
  (func $leaf (result i32) (i32.const 1))
  (func (export "calls") (loop (drop (call $leaf)) (br 0)))
  (func (export "quick") (result i32) (i32.const 7)))
