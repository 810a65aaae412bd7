;; Interruption checks (kilnc --epoch-checks; off by default, as the loader interrupts by
;; signal): every function entry and every loop header loads the
;; counter the running thread's state points to (its epoch, offset 16 of the
;; kiln_thread_state reached %fs-relative at the offset in vmctx->thread_state) with a
;; volatile load, so a loop sees another thread's store, compares it with the thread's
;; epoch_deadline (offset 24) and traps "interrupted" (code 11). With --fuel, each
;; straight-line run subtracts its instruction count from the thread's fuel (offset 8) and
;; the same places trap "all fuel consumed" (code 12) once it is negative. The thread state
;; is the caller's: code called from another instance runs under its caller's store.
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --epoch-checks --emit=llvm -o - | FileCheck %s
;; RUN: %kilnc %t.wasm -O2 --fuel --emit=llvm -o - | FileCheck %s --check-prefix=FUEL
;; RUN: %kilnc %t.wasm -O2 --emit=llvm -o - | FileCheck %s --check-prefix=NONE
;; RUN: %kilnc %t.wasm -O2 --no-epoch-checks --emit=llvm -o - | FileCheck %s --check-prefix=NONE
(module
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:spin"
  ;; CHECK: getelementptr inbounds i8, ptr %vmctx, i64 8
  ;; CHECK: [[STATE:%.*]] = inttoptr i64 {{%.*}} to ptr addrspace(257)
  ;; CHECK: getelementptr inbounds i8, ptr addrspace(257) [[STATE]], i64 16
  ;; CHECK: [[COUNTER:%.*]] = load ptr, ptr addrspace(257) %{{.*}}, !invariant.load
  ;; CHECK: load volatile i64, ptr [[COUNTER]]
  ;; CHECK: getelementptr inbounds i8, ptr addrspace(257) [[STATE]], i64 24
  ;; CHECK: icmp {{ult|uge}} i64
  ;; CHECK: call void %{{.*}}(ptr {{.*}}%vmctx, i32 11)
  ;; The loop header checks again on every iteration: one load and one compare (the
  ;; deadline is loaded once, before the loop).
  ;; CHECK: loop:
  ;; CHECK-NEXT: load volatile i64, ptr [[COUNTER]]
  ;; CHECK-NEXT: icmp
  ;; FUEL-LABEL: define {{.*}}@"wasm[0]:spin"
  ;; FUEL: [[STATE:%.*]] = inttoptr i64 {{%.*}} to ptr addrspace(257)
  ;; FUEL: getelementptr inbounds i8, ptr addrspace(257) [[STATE]], i64 8
  ;; FUEL: icmp slt i64
  ;; FUEL: call void %{{.*}}(ptr {{.*}}%vmctx, i32 12)
  ;; NONE-LABEL: define {{.*}}@"wasm[0]:spin"
  ;; NONE-NOT: volatile
  ;; NONE: }
  (func $spin (export "spin") (loop (br 0))))
