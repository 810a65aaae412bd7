;; Loops over rows of 2-D arrays are vectorised. clang's Wasm for `C[i][j] += a * B[k][j]`
;; computes each address as an i32 sum (row start + 8*j, plus 8 for the second element of
;; a loop it unrolled by two), and a Wasm address is zext(i32): LLVM cannot take
;; zext(x + 8) for zext(x) + 8, so to its vectoriser the accesses of one row are unrelated
;; pointers. In the copy of the loop that the bounds versioning selects (a test before the
;; loop shows that no access traps and that none of these i32 sums wraps), the addresses
;; are exact i64 values (start + step * iteration), one per row, the others at constant
;; distances from it (lower/BoundsVersioning.h). The copy that keeps its checks keeps the
;; i32 sums.
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --target-cpu=x86-64-v3 --emit=llvm -o - | FileCheck %s
;; Addresses that wrap around 2^32 in a 4 GiB memory: the test before the loop fails and
;; the copy with i32 arithmetic runs, as Wasm says.
;; RUN: %kilnc %t.wasm -O2 -o %t.so
;; RUN: %kiln run %t.so --invoke wrap_sum 0xFFFFFFF8 4 | FileCheck %s --check-prefix=WRAP
;; RUN: %kiln run %t.so --invoke wrap_sum 16 4 | FileCheck %s --check-prefix=NOWRAP
(module
  (memory 1 65536)
  ;; for (i = 0; i != n; ++i) { C[2i] += a * B[2i]; C[2i+1] += a * B[2i+1]; }, rows at c, b.
  ;; CHECK-LABEL: define {{.*}}@"wasm[0]:row_update"
  ;; CHECK: fmul <{{[0-9]+}} x double>
  ;; CHECK: fadd <{{[0-9]+}} x double>
  ;; CHECK: store <{{[0-9]+}} x double>
  ;; CHECK: }
  (func $row_update (export "row_update") (param $c i32) (param $b i32) (param $a f64) (param $n i32)
    (local $i i32) (local $pc i32) (local $pb i32)
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $l
      (local.set $pc (i32.add (local.get $c) (i32.shl (local.get $i) (i32.const 4))))
      (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 4))))
      (f64.store (local.get $pc)
        (f64.add (f64.load (local.get $pc)) (f64.mul (local.get $a) (f64.load (local.get $pb)))))
      (f64.store (i32.add (local.get $pc) (i32.const 8))
        (f64.add (f64.load (i32.add (local.get $pc) (i32.const 8)))
                 (f64.mul (local.get $a) (f64.load (i32.add (local.get $pb) (i32.const 8))))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
  ;; Floyd-Warshall's row: d[i][j] = min(d[i][j], dik + d[k][j]) over i32.
  ;; CHECK-LABEL: define {{.*}}@"wasm[1]:min_row"
  ;; CHECK: <8 x i32>
  ;; CHECK: smin
  ;; CHECK: }
  (func $min_row (export "min_row") (param $di i32) (param $dk i32) (param $dik i32) (param $n i32)
    (local $j i32) (local $p i32) (local $x i32) (local $y i32)
    (if (i32.eqz (local.get $n)) (then (return)))
    (loop $l
      (local.set $p (i32.add (local.get $di) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $x (i32.load (local.get $p)))
      (local.set $y (i32.add (local.get $dik)
                             (i32.load (i32.add (local.get $dk) (i32.shl (local.get $j) (i32.const 2))))))
      (i32.store (local.get $p) (select (local.get $x) (local.get $y) (i32.lt_s (local.get $x) (local.get $y))))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $n)))))
  ;; The sum of the n f64 at p, p+8, ..., computed in i32: in a 4 GiB memory p + 8*j wraps.
  (func $wrap_sum (export "wrap_sum") (param $p i32) (param $n i32) (result f64)
    (local $j i32) (local $s f64)
    (drop (memory.grow (i32.const 65535)))
    (f64.store (local.get $p) (f64.const 1.5))
    (f64.store (i32.add (local.get $p) (i32.const 8)) (f64.const 2.25))
    (f64.store (i32.add (local.get $p) (i32.const 16)) (f64.const 3))
    (f64.store (i32.add (local.get $p) (i32.const 24)) (f64.const 4))
    (if (i32.eqz (local.get $n)) (then (return (f64.const 0))))
    (loop $l
      (local.set $s (f64.add (local.get $s)
        (f64.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 3))))))
      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $n))))
    (local.get $s)))
;; WRAP: 10.75
;; NOWRAP: 10.75
