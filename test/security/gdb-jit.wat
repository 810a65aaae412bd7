;; The loader registers every artifact with gdb's JIT interface: a fault in Wasm code
;; shows the Wasm function names in `bt`, and the unwind tables kilnc emits let gdb walk
;; through every Wasm frame back to the host (kiln::Call).
;; REQUIRES: gdb
;; RUN: %wat2wasm --debug-names %s -o %t.wasm && %kilnc %t.wasm -O0 -o %t.so
;; RUN: gdb -batch -nx -ex run -ex bt --args %kiln run %t.so --invoke outer 5 2>&1 | FileCheck %s
;; CHECK: received signal SIGSEGV
;; CHECK: #0 {{.*}} in wasm:crash ()
;; CHECK-NEXT: #1 {{.*}} in wasm:middle ()
;; CHECK-NEXT: #2 {{.*}} in wasm:outer ()
;; CHECK-NEXT: #3 {{.*}} in kiln:call-trampoline[type {{[0-9]+}}] ()
;; CHECK: kiln::Call
;; A breakpoint on a Wasm function, set before the artifact is loaded, is hit (the name
;; has a colon, so it is given as an explicit location: `break -function wasm:NAME`).
;; RUN: gdb -batch -nx -ex "set breakpoint pending on" -ex "break -function wasm:middle" -ex run -ex bt --args %kiln run %t.so --invoke outer 5 2>&1 | FileCheck %s --check-prefix=BREAK
;; BREAK: Breakpoint 1, {{.*}}in wasm:middle ()
;; BREAK-NEXT: #0 {{.*}} in wasm:middle ()
;; BREAK: #1 {{.*}} in wasm:outer ()
(module
  (memory 1)
  (func $crash (export "crash") (param i32) (result i32)
    (i32.load (i32.add (local.get 0) (i32.const 70000))))
  (func $middle (param i32) (result i32)
    (i32.add (call $crash (local.get 0)) (i32.const 1)))
  (func $outer (export "outer") (param i32) (result i32)
    (i32.mul (call $middle (local.get 0)) (i32.const 3))))
