;; A guest handing WASI wild pointers and lengths: past the end of memory, wrapping around
;; 2^32, iovec counts and lengths that overflow. Each call gets an errno (21 EFAULT,
;; 28 EINVAL, 37 ENAMETOOLONG) and nothing outside the sandbox is read or written; then the
;; same instance goes on: _start makes every bad call, then writes a line.
;; RUN: %wat2wasm %s -o %t.wasm && %kilnc %t.wasm -o %t.so
;; RUN: %kiln run %t.so | FileCheck %s --check-prefix=START
;; START: still serving
;; RUN: %kiln run %t.so --invoke iovec_array_past_end | FileCheck %s --check-prefix=FAULT
;; RUN: %kiln run %t.so --invoke iovec_buffer_past_end | FileCheck %s --check-prefix=FAULT
;; RUN: %kiln run %t.so --invoke iovec_buffer_wraps | FileCheck %s --check-prefix=FAULT
;; RUN: %kiln run %t.so --invoke result_past_end | FileCheck %s --check-prefix=FAULT
;; RUN: %kiln run %t.so --invoke read_into_past_end | FileCheck %s --check-prefix=FAULT
;; RUN: %kiln run %t.so --invoke random_wraps | FileCheck %s --check-prefix=FAULT
;; RUN: %kiln run %t.so --invoke args_past_end | FileCheck %s --check-prefix=FAULT
;; RUN: %kiln run %t.so --invoke poll_past_end | FileCheck %s --check-prefix=FAULT
;; RUN: %kiln run %t.so --invoke too_many_iovecs | FileCheck %s --check-prefix=INVAL
;; RUN: %kiln run %t.so --invoke huge_path --dir %S::/d | FileCheck %s --check-prefix=NAMETOOLONG
;; RUN: %kiln run %t.so --invoke path_past_end --dir %S::/d | FileCheck %s --check-prefix=FAULT
;; FAULT: 21
;; INVAL: 28
;; NAMETOOLONG: 37
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "still serving\n")

  ;; One iovec at 0 = {buf, len}.
  (func $iov (param $buf i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $buf))
    (i32.store (i32.const 4) (local.get $len)))

  (func $iovec_array_past_end (export "iovec_array_past_end") (result i32)
    (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 8)))
  (func $iovec_buffer_past_end (export "iovec_buffer_past_end") (result i32)
    (call $iov (i32.const 65530) (i32.const 100))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func $iovec_buffer_wraps (export "iovec_buffer_wraps") (result i32)
    (call $iov (i32.const 0xfffffff0) (i32.const 0x20))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func $result_past_end (export "result_past_end") (result i32)
    (call $iov (i32.const 16) (i32.const 1))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 65535)))
  (func $read_into_past_end (export "read_into_past_end") (result i32)
    (call $iov (i32.const 65000) (i32.const 0x10000))
    (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func $random_wraps (export "random_wraps") (result i32)
    (call $random_get (i32.const 0xffffff00) (i32.const 0x200)))
  (func $args_past_end (export "args_past_end") (result i32)
    (call $args_get (i32.const 65535) (i32.const 100)))
  (func $poll_past_end (export "poll_past_end") (result i32)
    (call $poll (i32.const 65500) (i32.const 0) (i32.const 0x1000000) (i32.const 8)))
  (func $too_many_iovecs (export "too_many_iovecs") (result i32)
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0x7fffffff) (i32.const 8)))
  (func $huge_path (export "huge_path") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0x100000)
      (i32.const 0) (i64.const 2) (i64.const 2) (i32.const 0) (i32.const 8)))
  (func $path_past_end (export "path_past_end") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 65530) (i32.const 100)
      (i32.const 0) (i64.const 2) (i64.const 2) (i32.const 0) (i32.const 8)))

  (func (export "_start")
    (drop (call $iovec_array_past_end))
    (drop (call $iovec_buffer_past_end))
    (drop (call $iovec_buffer_wraps))
    (drop (call $result_past_end))
    (drop (call $read_into_past_end))
    (drop (call $random_wraps))
    (drop (call $args_past_end))
    (drop (call $poll_past_end))
    (drop (call $too_many_iovecs))
    (drop (call $huge_path))
    (call $iov (i32.const 16) (i32.const 14))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
