;; Every function entry compares the stack pointer with vmctx->stack_limit (offset 8) and
;; traps "call stack exhausted" (code 10) before the native stack runs out.
;; (Interruption checks are left out: test/lit/limits covers them.)
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --no-epoch-checks --emit=llvm -o - | FileCheck %s
(module
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:rec"
  ;; CHECK: call i64 @llvm.read_register.i64(metadata [[RSP:![0-9]+]])
  ;; CHECK: getelementptr inbounds i8, ptr %vmctx, i64 8
  ;; CHECK: icmp ult i64
  ;; The recursive call stays a real call (never a loop or a jump), so it consumes stack.
  ;; CHECK: notail call fastcc i32 @"wasm[0]:rec"
  ;; CHECK: call void %{{.*}}(ptr nonnull %vmctx, i32 10)
  (func $rec (export "rec") (param i32) (result i32) (call $rec (local.get 0)))
  ;; CHECK: [[RSP]] = !{!"rsp"}
)
