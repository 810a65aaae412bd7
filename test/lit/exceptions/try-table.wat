;; Exception handling without an unwinder: try_table pushes a handler record on the
;; thread's chain (try_enter) and calls the setjmp builtin with returns_twice; throw
;; copies the payload to a buffer and calls the noreturn throw builtin with the tag's
;; address from the vmctx; the dispatch block compares tags in clause order and rethrows
;; (throw_ref) when none matches. Leaving the try_table normally or by a branch pops the
;; handler (try_leave). Locals of a function with a try_table are volatile, so a longjmp
;; sees their current values.
;; (Interruption checks are left out: test/lit/limits covers them.)
;; RUN: %kilnc %s -O2 --no-epoch-checks --emit=llvm -o - | FileCheck %s
(module
  (tag $e (param i32))
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:catches"
  ;; CHECK: store volatile i32
  ;; CHECK: call void %{{.*}}(ptr {{.*}}%vmctx, ptr {{.*}}[[H:%.*]])
  ;; CHECK: [[SJ:%.*]] = call i32 %{{.*}}(ptr {{.*}}) #[[RT:[0-9]+]]
  ;; CHECK: icmp eq i32 [[SJ]], 0
  ;; CHECK: call void %{{.*}}(ptr {{.*}}%vmctx, ptr {{.*}}, ptr {{.*}}) #[[NR:[0-9]+]]
  ;; CHECK: load volatile i32
  (func $catches (export "catches") (param i32) (result i32)
    (local $x i32)
    (local.set $x (i32.const 5))
    (block $h (result i32)
      (try_table (catch $e $h)
        (local.set $x (i32.const 7))
        (throw $e (local.get 0)))
      (i32.const -1))
    (i32.add (local.get $x)))
  ;; A function without try_table keeps its locals in registers.
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:plain"
  ;; CHECK-NOT: volatile
  ;; CHECK: ret i32
  (func $plain (export "plain") (param i32) (result i32)
    (local $y i32)
    (local.set $y (i32.add (local.get 0) (i32.const 1)))
    (local.get $y))
)
;; CHECK-DAG: attributes #[[RT]] = { {{.*}}returns_twice{{.*}} }
;; CHECK-DAG: attributes #[[NR]] = { {{.*}}noreturn{{.*}} }
