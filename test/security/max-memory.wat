;; --max-memory caps growth: memory.grow past it returns -1 (as the spec allows) and the
;; guest goes on; without the cap the same loop gets further.
;; RUN: %wat2wasm %s -o %t.wasm && %kilnc %t.wasm -o %t.so
;; RUN: %kiln run %t.so --invoke grow_all --max-memory 1M | FileCheck %s --check-prefix=ONE_MIB
;; ONE_MIB: 16
;; RUN: %kiln run %t.so --invoke grow_all --max-memory 4M | FileCheck %s --check-prefix=FOUR_MIB
;; FOUR_MIB: 64
;; RUN: %kiln run %t.so --isolate --invoke grow_all --max-memory 4M | FileCheck %s --check-prefix=FOUR_MIB
;; RUN: not %kiln run %t.so --invoke grow_all --max-memory 2x 2>&1 | FileCheck %s --check-prefix=BAD
;; BAD: --max-memory expects BYTES
(module
  (memory 1 1000)
  ;; Grows one page at a time until memory.grow fails; returns the final size in pages.
  (func (export "grow_all") (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $more)))
    (memory.size)))
