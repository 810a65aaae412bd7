;; Trapping float->int truncation checks NaN first ("invalid conversion to integer",
;; code 9) and then the exclusive range ("integer overflow", code 8); the saturating forms
;; use llvm.fpto*i.sat and never trap.
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O0 --emit=llvm -o %t.ll
;; RUN: FileCheck %s < %t.ll
;; RUN: FileCheck %s --check-prefix=TRAPS < %t.ll
(module
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:trunc_s"
  ;; CHECK: fcmp uno double
  ;; CHECK-DAG: fcmp ogt double %{{.*}}, 0xC1E0000000200000
  ;; CHECK-DAG: fcmp olt double %{{.*}}, 0x41E0000000000000
  ;; CHECK: fptosi double %{{.*}} to i32
  ;; TRAPS-LABEL: define {{.*}}@"wasm[0]:trunc_s"
  ;; TRAPS-DAG: call void %{{.*}}(ptr %vmctx, i32 9)
  ;; TRAPS-DAG: call void %{{.*}}(ptr %vmctx, i32 8)
  ;; TRAPS-LABEL: define {{.*}}@"wasm[1]:sat_u"
  ;; TRAPS-NOT: i32 8)
  ;; TRAPS-NOT: i32 9)
  ;; TRAPS: ret i64
  (func (export "trunc_s") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:sat_u"
  ;; CHECK: call i64 @llvm.fptoui.sat.i64.f32
  (func (export "sat_u") (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0)))
)
