;; memory.copy and memory.fill on a 32-bit memory: up to 4096 bytes the bounds check is
;; inline and the host's memmove / memset (builtin slots 17 and 18, byte offsets 136 and
;; 144) is called directly; larger ones go through the memory_copy / memory_fill builtins
;; (slots 3 and 2), which poll for interruption after a long copy.
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --emit=llvm -o - | FileCheck %s
(module
  (memory 1)
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:copy"
  ;; CHECK: icmp ult i32 %{{.*}}, 4097
  ;; CHECK: icmp ugt i64
  ;; CHECK: bulk.large:
  ;; CHECK: getelementptr inbounds i8, ptr %{{.*}}, i64 24
  ;; CHECK: bulk.done:
  ;; CHECK: getelementptr inbounds i8, ptr %{{.*}}, i64 136
  (func $copy (export "copy") (param i32 i32 i32)
    (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:fill"
  ;; CHECK: icmp ult i32 %{{.*}}, 4097
  ;; CHECK: icmp ugt i64
  ;; CHECK: bulk.large:
  ;; CHECK: getelementptr inbounds i8, ptr %{{.*}}, i64 16
  ;; CHECK: bulk.done:
  ;; CHECK: getelementptr inbounds i8, ptr %{{.*}}, i64 144
  (func $fill (export "fill") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2))))
