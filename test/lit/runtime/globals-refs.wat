;; Globals are reached through a pointer in the vmctx (invariant) and accessed with their
;; own type; ref.func yields the funcref pointer from the vmctx; ref.is_null compares with
;; null; typed select on references is a plain select.
;; (Interruption checks are left out: test/lit/limits covers them.)
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O0 --no-epoch-checks --emit=llvm -o - | FileCheck %s
(module
  (global $g (mut i64) (i64.const 7))
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:bump"
  ;; CHECK: [[P:%.*]] = load ptr, ptr %{{.*}}, !invariant.load
  ;; CHECK: load i64, ptr [[P]], align 8, !tbaa
  ;; CHECK: store i64 %{{.*}}, ptr %{{.*}}, align 8, !tbaa
  (func $bump (export "bump") (result i64)
    (global.set $g (i64.add (global.get $g) (i64.const 1)))
    (global.get $g))
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:refs"
  ;; CHECK: load ptr, ptr %{{.*}}, !invariant.load
  ;; CHECK: select i1 %{{.*}}, ptr %{{.*}}, ptr null
  ;; CHECK: icmp eq ptr %{{.*}}, null
  (func (export "refs") (param i32) (result i32)
    (ref.is_null (select (result funcref) (ref.func $bump) (ref.null func) (local.get 0))))
  (elem declare func $bump)
)
