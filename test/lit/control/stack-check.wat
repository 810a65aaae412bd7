;; Every function entry compares the stack pointer with the running thread's stack limit
;; and traps "call stack exhausted" (code 10) before the native stack runs out. The limit
;; is the first field of the thread's kiln_thread_state, read %fs-relative (address space
;; 257) at the offset in vmctx->thread_state (offset 8), so the code of an instance checks
;; the stack of whichever thread runs it.
;; (Interruption checks are left out: test/lit/limits covers them.)
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --no-epoch-checks --emit=llvm -o - | FileCheck %s
(module
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:rec"
  ;; CHECK: call i64 @llvm.read_register.i64(metadata [[RSP:![0-9]+]])
  ;; CHECK: [[OFF:%.*]] = getelementptr inbounds i8, ptr %vmctx, i64 8
  ;; CHECK: [[TS:%.*]] = load i64, ptr [[OFF]], {{.*}}!invariant.load
  ;; CHECK: [[STATE:%.*]] = inttoptr i64 [[TS]] to ptr addrspace(257)
  ;; CHECK: [[LIMIT:%.*]] = load i64, ptr addrspace(257) [[STATE]]
  ;; CHECK: icmp ult i64 {{%.*}}, [[LIMIT]]
  ;; The recursive call stays a real call (never a loop or a jump), so it consumes stack.
  ;; CHECK: notail call fastcc i32 @"wasm[0]:rec"
  ;; CHECK: call void %{{.*}}(ptr nonnull %vmctx, i32 10)
  (func $rec (export "rec") (param i32) (result i32) (call $rec (local.get 0)))
  ;; CHECK: [[RSP]] = !{!"rsp"}
)
