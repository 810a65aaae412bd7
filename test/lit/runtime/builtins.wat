;; memory.grow, bulk memory and table operations call the builtins through the table at
;; vmctx offset 0 (slot = 8 * index, see kiln_builtins in abi.h); memory.size reads the
;; current length (offset 8 of kiln_memory) and is not treated as invariant.
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O0 --emit=llvm -o - | FileCheck %s
(module
  (memory 1)
  (table $t 1 funcref)
  (data $d "abc")
  (elem $e func $grow)
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:grow"
  ;; CHECK: getelementptr inbounds i8, ptr %{{.*}}, i64 8
  ;; CHECK: call i64 %{{.*}}(ptr %vmctx, i32 0, i64
  ;; CHECK: trunc i64 %{{.*}} to i32
  (func $grow (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:size"
  ;; CHECK: getelementptr inbounds i8, ptr %vmctx, i64 64
  ;; CHECK: getelementptr inbounds i8, ptr %{{.*}}, i64 8
  ;; CHECK-NEXT: [[LEN:%.*]] = load i64, ptr %{{.*}}, align 8, !tbaa !{{[0-9]+}}{{$}}
  ;; CHECK: lshr i64 [[LEN]], 16
  (func (export "size") (result i32) (memory.size))
  ;; CHECK-LABEL: define {{.*}}@"wasm[2]:bulk"
  ;; CHECK: getelementptr inbounds i8, ptr %{{.*}}, i64 16
  ;; CHECK: call void %{{.*}}(ptr %vmctx, i32 0, i64 %{{.*}}, i32 %{{.*}}, i64 %{{.*}})
  ;; CHECK: getelementptr inbounds i8, ptr %{{.*}}, i64 24
  ;; CHECK: call void %{{.*}}(ptr %vmctx, i32 0, i32 0, i64
  ;; CHECK: getelementptr inbounds i8, ptr %{{.*}}, i64 32
  ;; CHECK: call void %{{.*}}(ptr %vmctx, i32 0, i32 0, i64
  ;; CHECK: getelementptr inbounds i8, ptr %{{.*}}, i64 40
  ;; CHECK: call void %{{.*}}(ptr %vmctx, i32 0)
  (func (export "bulk") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2))
    (memory.copy (local.get 0) (local.get 1) (local.get 2))
    (memory.init $d (local.get 0) (local.get 1) (local.get 2))
    (data.drop $d))
  ;; CHECK-LABEL: define {{.*}}@"wasm[3]:tables"
  ;; table.get: bounds check against kiln_table.size, trap "out of bounds table access" (3)
  ;; CHECK: icmp uge i64
  ;; CHECK: load ptr, ptr %{{.*}}, align 8, !tbaa
  ;; CHECK: getelementptr inbounds i8, ptr %{{.*}}, i64 48
  ;; CHECK: call i64 %{{.*}}(ptr %vmctx, i32 0, ptr
  ;; CHECK: getelementptr inbounds i8, ptr %{{.*}}, i64 80
  ;; CHECK: call void %{{.*}}(ptr %vmctx, i32 0)
  (func (export "tables") (param i32) (result i32)
    (drop (table.grow $t (table.get $t (local.get 0)) (i32.const 1)))
    (elem.drop $e)
    (table.size $t))
)
