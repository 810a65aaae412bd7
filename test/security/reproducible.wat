;; Reproducible builds: the same module compiled in two directories, under two names, by
;; relative and absolute path, at different times, gives byte-identical artifacts.
;; RUN: rm -rf %t.a %t.b && mkdir -p %t.a/deep/er %t.b
;; RUN: %wat2wasm %s -o %t.a/deep/er/in.wasm && cp %t.a/deep/er/in.wasm %t.b/other-name.wasm
;; RUN: cd %t.a/deep/er && %kilnc in.wasm -O2 -o out.so
;; RUN: sleep 1 && cd %t.b && %kilnc %t.b/other-name.wasm -O2 -o %t.b/x.so
;; RUN: cmp %t.a/deep/er/out.so %t.b/x.so
(module
  (memory (export "memory") 1)
  (data (i32.const 8) "hello")
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2))))))))
