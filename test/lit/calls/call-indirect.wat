;; call_indirect checks the index against the table size ("undefined element", code 4), the
;; slot for null ("uninitialized element", 5) and the canonical signature id from the vmctx
;; ("indirect call type mismatch", 6), then calls through the funcref with the callee vmctx.
;; When the funcref's vmctx is the caller's own (the common case), the call passes the
;; caller's vmctx register instead of the loaded pointer, so the callee's loads from its vmctx
;; do not wait for the table-slot and funcref loads: a dispatch loop through a table runs
;; about 2.5x faster (bench/kernels/vm.c).
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --emit=llvm -o %t.ll
;; RUN: FileCheck %s < %t.ll
;; RUN: FileCheck %s --check-prefix=TRAPS < %t.ll
;; RUN: %kilnc %t.wasm -O2 --emit=asm -o - | FileCheck %s --check-prefix=ASM
(module
  (type $t (func (param i32) (result i32)))
  (table 2 funcref)
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:dispatch"
  ;; CHECK: icmp {{ugt|uge|ult|ule}} i64
  ;; CHECK: icmp eq ptr %{{.*}}, null
  ;; CHECK: getelementptr inbounds i8, ptr %vmctx, i64 {{[0-9]+}}
  ;; CHECK: icmp {{eq|ne}} i32
  ;; CHECK: [[SAME:%[0-9]+]] = icmp eq ptr [[VM:%[0-9]+]], %vmctx
  ;; CHECK: br i1 [[SAME]], label %same.instance, label %other.instance, !prof
  ;; CHECK-DAG: call fastcc i32 %{{.*}}(ptr nonnull %vmctx, i32 %{{.*}}) #[[ATTR:[0-9]+]]
  ;; CHECK-DAG: call fastcc i32 %{{.*}}(ptr [[VM]], i32 %{{.*}})
  ;; CHECK: attributes #[[ATTR]] = {{.*}}"kiln-same-instance"
  ;; The two calls stay apart through code generation: the predicted arm moves the caller's
  ;; vmctx into %rdi after the compare.
  ;; ASM-LABEL: "wasm[0]:dispatch":
  ;; ASM: cmpq %fs:({{.*}}), %rsp
  ;; ASM: movq 8(%[[FR:[a-z0-9]+]]), %[[CALLEE:[a-z0-9]+]]
  ;; ASM-NEXT: cmpq %rdi, %[[CALLEE]]
  ;; ASM-NEXT: jne
  ;; ASM-NOT: %rdi
  ;; ASM: callq *%r
  ;; TRAPS-LABEL: define {{.*}}@"wasm[0]:dispatch"
  ;; TRAPS-DAG: (ptr nonnull %vmctx, i32 4)
  ;; TRAPS-DAG: (ptr nonnull %vmctx, i32 5)
  ;; TRAPS-DAG: (ptr nonnull %vmctx, i32 6)
  (func (export "dispatch") (param i32 i32) (result i32)
    (call_indirect (type $t) (local.get 1) (local.get 0)))
)
