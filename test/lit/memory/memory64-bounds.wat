;; memory64: an i64 index cannot be covered by guard pages, so every access checks
;; addr + offset + size <= length (no wrapping) and traps "out of bounds memory access"
;; (code 2); the descriptor records the explicit strategy. A 32-bit memory in the same
;; module keeps the guard-page strategy: no check.
;; RUN: %wat2wasm --enable-memory64 --enable-multi-memory --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --emit=llvm -o %t.ll
;; RUN: FileCheck %s < %t.ll
;; RUN: FileCheck %s --check-prefix=DESC < %t.ll
(module
  (memory $m64 i64 1)
  (memory $m32 1)
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:load64"
  ;; CHECK: [[SUM:%.*]] = tail call { i64, i1 } @llvm.uadd.with.overflow.i64(i64 %{{.*}}, i64 20)
  ;; CHECK-DAG: [[END:%.*]] = extractvalue { i64, i1 } [[SUM]], 0
  ;; CHECK-DAG: [[WRAP:%.*]] = extractvalue { i64, i1 } [[SUM]], 1
  ;; CHECK: icmp ugt i64 [[END]], [[LEN:%.*]]
  ;; CHECK: br i1 %{{.*}}, label %trap{{[0-9]*}}, label %ok{{[0-9]*}}
  ;; CHECK: load i32, ptr %{{.*}}, align 1
  ;; CHECK: call void %{{.*}}(ptr nonnull %vmctx, i32 2)
  (func (export "load64") (param i64) (result i32) (i32.load $m64 offset=16 (local.get 0)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:load32"
  ;; CHECK-NOT: uadd.with.overflow
  ;; CHECK-NOT: i32 2)
  ;; CHECK: ret i32
  (func (export "load32") (param i32) (result i32) (i32.load $m32 offset=16 (local.get 0)))
)
;; The descriptor's memory entries: limits {min, max, has_max, is64, ...}, then the bounds
;; strategy (1 = explicit, 0 = guard pages).
;; (Packed structs: the descriptor is laid out field by field from abi.h's offsets.)
;; DESC: @kiln.memories = {{.*}} <{ i64 1, i64 0, i8 0, i8 1, {{.*}} }>, i32 1, i32 16 }>, {{.*}} <{ i64 1, i64 0, i8 0, i8 0, {{.*}} }>, i32 0, i32 16 }>]
