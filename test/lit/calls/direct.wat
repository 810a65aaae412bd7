;; Direct calls between Wasm functions use the internal fast calling convention and pass
;; the vmctx; imported functions are called through their funcref slot in the vmctx.
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O0 --emit=llvm -o - | FileCheck %s
(module
  (import "env" "host" (func $host (param i32) (result i32)))
  (func $callee (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[2]:caller"
  ;; CHECK: call fastcc i32 @"wasm[1]:callee"(ptr %vmctx, i32
  ;; CHECK: call fastcc i32 %{{.*}}(ptr %{{.*}}, i32
  (func (export "caller") (param i32) (result i32)
    (call $host (call $callee (local.get 0))))
)
