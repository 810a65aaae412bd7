;; Division traps: zero divisor ("integer divide by zero", code 7) and INT_MIN / -1
;; ("integer overflow", code 8) branch to cold trap blocks; rem_s by -1 must not trap.
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --emit=llvm -o %t.ll
;; RUN: FileCheck %s < %t.ll
;; RUN: FileCheck %s --check-prefix=TRAPS < %t.ll
(module
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:div_s"
  ;; CHECK-DAG: icmp eq i32 %{{.*}}, 0
  ;; CHECK-DAG: icmp eq i32 %{{.*}}, -2147483648
  ;; CHECK: sdiv i32
  ;; TRAPS-LABEL: define {{.*}}@"wasm[0]:div_s"
  ;; TRAPS-DAG: call void %{{.*}}(ptr nonnull %vmctx, i32 7)
  ;; TRAPS-DAG: call void %{{.*}}(ptr nonnull %vmctx, i32 8)
  ;; TRAPS-LABEL: define {{.*}}@"wasm[1]:rem_s"
  (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:rem_s"
  ;; CHECK: srem i32
  ;; TRAPS-NOT: i32 8)
  ;; TRAPS: ret i32
  (func (export "rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
)
