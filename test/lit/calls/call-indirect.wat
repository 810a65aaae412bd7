;; call_indirect checks the index against the table size ("undefined element", code 4), the
;; slot for null ("uninitialized element", 5) and the canonical signature id from the vmctx
;; ("indirect call type mismatch", 6), then calls through the funcref with the callee vmctx.
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --emit=llvm -o %t.ll
;; RUN: FileCheck %s < %t.ll
;; RUN: FileCheck %s --check-prefix=TRAPS < %t.ll
(module
  (type $t (func (param i32) (result i32)))
  (table 2 funcref)
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:dispatch"
  ;; CHECK: icmp {{ugt|uge|ult|ule}} i64
  ;; CHECK: icmp eq ptr %{{.*}}, null
  ;; CHECK: getelementptr inbounds i8, ptr %vmctx, i64 {{[0-9]+}}
  ;; CHECK: icmp {{eq|ne}} i32
  ;; CHECK: call fastcc i32 %{{.*}}(ptr %{{.*}}, i32 %{{.*}})
  ;; TRAPS-LABEL: define {{.*}}@"wasm[0]:dispatch"
  ;; TRAPS-DAG: (ptr nonnull %vmctx, i32 4)
  ;; TRAPS-DAG: (ptr nonnull %vmctx, i32 5)
  ;; TRAPS-DAG: (ptr nonnull %vmctx, i32 6)
  (func (export "dispatch") (param i32 i32) (result i32)
    (call_indirect (type $t) (local.get 1) (local.get 0)))
)
