;; On the guard-page strategy a linear-memory access is base + zext(addr) + offset, and
;; the 8 GiB reservation catches every i32 address + u32 offset. The optimiser sees an
;; explicit check (so no store moves across a trap); once it is done, a check with its
;; access right behind it folds back into the access, made volatile: no compare is left
;; (lower/CheckFolding.h).
;; Memory 0's base is one invariant load from the vmctx header (offset 48, ABI 2.2); other
;; memories' bases are two loads (the memory object, then its base).
;; (Interruption checks are left out: test/lit/limits covers them.)
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --no-epoch-checks --emit=llvm -o - | FileCheck %s
;; RUN: %kilnc %t.wasm -O2 --no-epoch-checks --emit=asm -o - | FileCheck %s --check-prefix=ASM
(module
  (memory 1)
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:load"
  ;; CHECK-DAG: [[A:%.*]] = zext i32 %{{.*}} to i64
  ;; CHECK-DAG: [[FIELD:%.*]] = getelementptr inbounds i8, ptr %vmctx, i64 48
  ;; CHECK: [[BASE:%.*]] = load ptr, ptr [[FIELD]], align 8, !tbaa !{{[0-9]+}}, !invariant.load
  ;; CHECK-NEXT: [[P:%.*]] = getelementptr inbounds i8, ptr [[BASE]], i64 [[A]]
  ;; CHECK-NEXT: [[EA:%.*]] = getelementptr inbounds i8, ptr [[P]], i64 4294967295
  ;; CHECK-NEXT: load volatile i32, ptr [[EA]], align 1, !tbaa
  ;; CHECK-NEXT: ret i32
  (func (export "load") (param i32) (result i32) (i32.load offset=0xFFFFFFFF (local.get 0)))
  ;; No compare at all: the access is one instruction after the base load, and a function
  ;; that calls nothing has no stack-limit check (its frame is probed into the guard).
  ;; ASM-LABEL: "wasm[0]:load":
  ;; ASM-NOT: cmp
  ;; ASM: 48(%rdi), %r{{[a-z0-9]+}}
  ;; ASM-NOT: cmp
  ;; ASM: movl (%r{{[a-z0-9]+}},%r{{[a-z0-9]+}}), %eax
  ;; ASM-NEXT: retq
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:store"
  ;; CHECK: store volatile i64 %{{.*}}, ptr %{{.*}}, align 1, !tbaa
  (func (export "store") (param i32 i64) (i64.store offset=8 (local.get 0) (local.get 1)))
)
