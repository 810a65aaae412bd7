;; Multi-value blocks and loops with parameters become phi nodes; br_table a switch.
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O0 --emit=llvm -o - | FileCheck %s
(module
  ;; CHECK-LABEL: define internal fastcc { i32, i64 } @"wasm[0]:pair"
  ;; CHECK: insertvalue { i32, i64 }
  (func (export "pair") (param i32) (result i32 i64)
    (block (result i32 i64) (local.get 0) (i64.const 7)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:count"
  ;; CHECK: loop:
  ;; CHECK-NEXT: phi i32
  (func (export "count") (param i32) (result i32)
    (i32.const 0)
    (loop (param i32) (result i32)
      (i32.add (i32.const 1))
      (br_if 0 (i32.lt_u (local.tee 0 (i32.sub (local.get 0) (i32.const 1))) (i32.const 100)))))
  ;; CHECK-LABEL: define {{.*}}@"wasm[2]:switch"
  ;; CHECK: switch i32 %{{.*}}, label
  (func (export "switch") (param i32) (result i32)
    (block (block (block (br_table 0 1 2 (local.get 0))) (return (i32.const 10))) (return (i32.const 11)))
    (i32.const 12))
)
