;; kiln run --isolate with a directory granted: seccomp must allow open calls, so Landlock
;; is what keeps the child inside the pre-opened directories. An open of /etc/passwd by
;; absolute path (the test-only kiln_test.syscall hook) gets EACCES (-13); without
;; --isolate it succeeds.
;; REQUIRES: landlock
;; RUN: %wat2wasm %s -o %t.wasm && %kilnc %t.wasm -o %t.so && mkdir -p %t.d
;; RUN: %kiln run %t.so --test-hooks --dir %t.d --invoke call 1 | FileCheck %s --check-prefix=PLAIN
;; PLAIN: 1
;; RUN: %kiln run %t.so --isolate --test-hooks --dir %t.d --invoke call 1 | FileCheck %s --check-prefix=ISOLATED
;; ISOLATED: -13
(module
  (import "kiln_test" "syscall" (func $sc (param i32) (result i32)))
  (func (export "call") (param i32) (result i32) (call $sc (local.get 0))))
