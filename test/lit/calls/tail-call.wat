;; Tail calls (return_call, return_call_indirect) are guaranteed: the call is a jump, so the
;; caller's frame is gone before the callee runs, also when the signatures differ.
;; RUN: %wat2wasm --enable-tail-call --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --emit=llvm -o - | FileCheck %s
;; RUN: %kilnc %t.wasm -O2 --emit=asm -o - | FileCheck %s --check-prefix=ASM
(module
  (import "env" "f" (func $f (param i32 i64 f64) (result i32)))
  (type $sig (func (param i32) (result i32)))
  (table 1 funcref)
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:to_import"
  ;; CHECK: [[R:%.*]] = tail call fastcc i32 %{{.*}}(ptr %{{.*}}, i32 %{{.*}}, i64 7, double 1.5
  ;; CHECK-NEXT: ret i32 [[R]]
  ;; ASM-LABEL: "wasm[1]:to_import":
  ;; ASM-NOT: callq
  ;; ASM: jmpq *%r
  (func $to_import (export "to_import") (param i32) (result i32)
    (return_call $f (local.get 0) (i64.const 7) (f64.const 1.5)))
  ;; Through a table, both arms of the same-instance test (see call-indirect.wat) are tail
  ;; calls, and both become jumps.
  ;; CHECK-LABEL: define {{.*}}@"wasm[2]:indirect"
  ;; CHECK-DAG: tail call fastcc i32 %{{.*}}(ptr nonnull %vmctx, i32 %{{.*}}) #[[SAME:[0-9]+]]
  ;; CHECK-DAG: tail call fastcc i32 %{{.*}}(ptr %{{[0-9]+}}, i32 %{{.*}})
  ;; CHECK: attributes #[[SAME]] = {{.*}}"kiln-same-instance"
  ;; ASM-LABEL: "wasm[2]:indirect":
  ;; ASM-NOT: callq *%r
  ;; ASM: jmpq *%r
  ;; ASM-NOT: callq *%r
  ;; ASM: jmpq *%r
  (func $indirect (export "indirect") (param i32 i32 i64) (result i32)
    (return_call_indirect (type $sig) (local.get 0) (local.get 1)))
)
