;; Out-of-bounds accesses at the edge of the 4 GiB index space: i32 address 0xFFFFFFFF
;; plus offset 0xFFFFFFFF (the farthest reachable byte), just past the end of memory, and
;; straddling the end. Each is the trap "out of bounds memory access", exit 134, no signal.
;; RUN: %wat2wasm %s -o %t.wasm && %kilnc %t.wasm -o %t.so
;; RUN: %expect-trap "out of bounds memory access" -- %kiln run %t.so --invoke far_load 0xFFFFFFFF
;; RUN: %expect-trap "out of bounds memory access" -- %kiln run %t.so --invoke far_store 0xFFFFFFFF
;; RUN: %expect-trap "out of bounds memory access" -- %kiln run %t.so --isolate --invoke far_store 0xFFFFFFFF
;; RUN: %expect-trap "out of bounds memory access" -- %kiln run %t.so --invoke load 65536
;; RUN: %expect-trap "out of bounds memory access" -- %kiln run %t.so --invoke load 65533
;; RUN: %kiln run %t.so --invoke load 65532 | FileCheck %s --check-prefix=INBOUNDS
;; INBOUNDS: 0
(module
  (memory 1)
  (func (export "far_load") (param i32) (result i64) (i64.load offset=0xFFFFFFFF (local.get 0)))
  (func (export "far_store") (param i32) (i64.store offset=0xFFFFFFFF (local.get 0) (i64.const 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
