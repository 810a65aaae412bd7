;; Integer arithmetic lowers to plain LLVM integer ops; shifts mask their count.
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O0 --emit=llvm -o - | FileCheck %s
(module
  ;; CHECK-LABEL: define internal fastcc i32 @"wasm[0]:add"(ptr %vmctx
  ;; CHECK: add i32
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:shl"
  ;; CHECK: [[AMT:%.*]] = and i32 %{{.*}}, 31
  ;; CHECK: shl i32 %{{.*}}, [[AMT]]
  (func (export "shl") (param i32 i32) (result i32) (i32.shl (local.get 0) (local.get 1)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[2]:rotl"
  ;; CHECK: call i32 @llvm.fshl.i32
  (func (export "rotl") (param i32 i32) (result i32) (i32.rotl (local.get 0) (local.get 1)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[3]:clz"
  ;; CHECK: call i32 @llvm.ctlz.i32(i32 %{{.*}}, i1 false)
  (func (export "clz") (param i32) (result i32) (i32.clz (local.get 0)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[4]:ext8"
  ;; CHECK: trunc i64 %{{.*}} to i8
  ;; CHECK: sext i8 %{{.*}} to i64
  (func (export "ext8") (param i64) (result i64) (i64.extend8_s (local.get 0)))
)
