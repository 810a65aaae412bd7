;; kiln run --isolate: the instance runs in a child process under a seccomp filter. A system
;; call outside the allow-list (provoked by the test-only kiln_test.syscall hook: socket,
;; execve, fork, an open by absolute path with no directory granted) stops only the child;
;; kiln reports the call by name and exits 159, never dying of a signal itself.
;; RUN: %wat2wasm %s -o %t.wasm && %kilnc %t.wasm -o %t.so
;; Without --isolate the hook's calls go through (so the test would notice a broken hook).
;; RUN: %kiln run %t.so --test-hooks --invoke call 0 | FileCheck %s --check-prefix=PLAIN
;; PLAIN: 1
;; RUN: %expect-trap --status 159 "kiln: isolate: the instance was stopped: it made the system call socket (41), which --isolate does not allow" -- %kiln run %t.so --isolate --test-hooks --invoke call 0
;; RUN: %expect-trap --status 159 "the system call execve (59)" -- %kiln run %t.so --isolate --test-hooks --invoke call 2
;; RUN: %expect-trap --status 159 "the system call fork (57)" -- %kiln run %t.so --isolate --test-hooks --invoke call 3
;; RUN: %expect-trap --status 159 "the system call openat (257)" -- %kiln run %t.so --isolate --test-hooks --invoke call 1
;; What the guest printed before the violation still arrives (the parent relays it).
;; RUN: not %kiln run %t.so --isolate --test-hooks --invoke print_then_socket 2>&1 | FileCheck %s --check-prefix=RELAY
;; RELAY: before
;; RELAY: kiln: isolate: the instance was stopped: it made the system call socket (41)
;; An ordinary trap in the child is reported as usual, exit 134.
;; RUN: %expect-trap "unreachable" -- %kiln run %t.so --isolate --test-hooks --invoke boom
;; Results come back through the relay.
;; RUN: %kiln run %t.so --isolate --test-hooks --invoke add 2 40 | FileCheck %s --check-prefix=ADD
;; ADD: 42
(module
  (import "kiln_test" "syscall" (func $sc (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "before\n")
  (func (export "call") (param i32) (result i32) (call $sc (local.get 0)))
  (func (export "print_then_socket") (result i32)
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 7))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $sc (i32.const 0)))
  (func (export "boom") unreachable)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
