;; Arithmetic LLVM would fold to a copy or negation of an operand (x*1, x/-1, x+-0, -0-x)
;; must still run, so a signalling NaN comes out quieted: such ops are one SSE instruction
;; the optimiser cannot see through. Only those: a constant dividend (1/x, hot in nbody) is
;; a plain fdiv. With AVX the instruction is the VEX form, as a legacy-SSE one among VEX
;; code costs a state transition (nbody ran 25 times slower on an AMD EPYC).
;; RUN: %wat2wasm --debug-names %s -o %t.wasm
;; RUN: %kilnc %t.wasm -O2 --emit=llvm -o - | FileCheck %s --check-prefix=IR
;; RUN: %kilnc %t.wasm -O2 --target-cpu=x86-64-v2 --emit=asm -o - | FileCheck %s --check-prefix=SSE
;; RUN: %kilnc %t.wasm -O2 --target-cpu=x86-64-v3 --emit=asm -o - | FileCheck %s --check-prefix=AVX
(module
  ;; IR-LABEL: define {{.*}}@"wasm[0]:recip"
  ;; IR: fdiv double 1.000000e+00, %
  ;; IR-NOT: asm
  ;; IR: ret double
  ;; SSE-LABEL: wasm[0]:recip
  ;; SSE: divsd
  ;; AVX-LABEL: wasm[0]:recip
  ;; AVX: vdivsd
  (func (export "recip") (param f64) (result f64) (f64.div (f64.const 1) (local.get 0)))
  ;; IR-LABEL: define {{.*}}@"wasm[1]:div_one"
  ;; IR: call double asm "{{v?}}divsd
  ;; SSE-LABEL: wasm[1]:div_one
  ;; SSE: #APP
  ;; SSE-NEXT: divsd %xmm{{[0-9]+}}, %xmm{{[0-9]+}}
  ;; AVX-LABEL: wasm[1]:div_one
  ;; AVX: #APP
  ;; AVX-NEXT: vdivsd %xmm{{[0-9]+}}, %xmm{{[0-9]+}}, %xmm{{[0-9]+}}
  (func (export "div_one") (param f64) (result f64) (f64.div (local.get 0) (f64.const 1)))
  ;; IR-LABEL: define {{.*}}@"wasm[2]:one_times"
  ;; IR: call float asm "{{v?}}mulss
  ;; AVX-LABEL: wasm[2]:one_times
  ;; AVX: #APP
  ;; AVX-NEXT: vmulss
  (func (export "one_times") (param f32) (result f32) (f32.mul (f32.const 1) (local.get 0)))
  ;; IR-LABEL: define {{.*}}@"wasm[3]:recip4"
  ;; IR: fdiv <4 x float> <float 1.000000e+00
  ;; IR-LABEL: define {{.*}}@"wasm[4]:div4_one"
  ;; IR: call <4 x float> asm "{{v?}}divps
  ;; AVX-LABEL: wasm[4]:div4_one
  ;; AVX: #APP
  ;; AVX-NEXT: vdivps %xmm{{[0-9]+}}, %xmm{{[0-9]+}}, %xmm{{[0-9]+}}
  ;; IR-LABEL: define {{.*}}@"wasm[5]:demote_promote"
  ;; IR: call float asm "{{v?}}cvtsd2ss
  ;; SSE-LABEL: wasm[5]:demote_promote
  ;; SSE: #APP
  ;; SSE-NEXT: cvtsd2ss %xmm{{[0-9]+}}, %xmm{{[0-9]+}}
  ;; AVX-LABEL: wasm[5]:demote_promote
  ;; AVX: #APP
  ;; AVX-NEXT: vcvtsd2ss %xmm{{[0-9]+}}, %xmm{{[0-9]+}}, %xmm{{[0-9]+}}
  (func (export "recip4") (param v128) (result v128)
    (f32x4.div (v128.const f32x4 1 1 1 1) (local.get 0)))
  (func (export "div4_one") (param v128) (result v128)
    (f32x4.div (local.get 0) (v128.const f32x4 1 1 1 1)))
  (func (export "demote_promote") (param f32) (result f32)
    (f32.demote_f64 (f64.promote_f32 (local.get 0)))))
