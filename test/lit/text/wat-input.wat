;; kilnc reads the text format itself (no wat2wasm): abbreviations are expanded, names
;; resolved and become function names; text errors are reported with line:column.
;; RUN: %kilnc %s -O0 --emit=llvm -o - | FileCheck %s
;; RUN: %kilnc validate %s
;; RUN: echo '(module (func $f (result i32)' > %t.bad.wat
;; RUN: echo '  (i32.ad (i32.const 1) (i32.const 2))))' >> %t.bad.wat
;; RUN: %not %kilnc %t.bad.wat 2>&1 | FileCheck --check-prefix=ERR %s
;; ERR: kilnc: error: {{.*}}.bad.wat:2:4: unknown operator i32.ad
;; RUN: echo '(func (br $nowhere))' > %t.label.wat
;; RUN: %not %kilnc validate %t.label.wat 2>&1 | FileCheck --check-prefix=LABEL %s
;; LABEL: kilnc: error: {{.*}}.label.wat:1:11: unknown label $nowhere
(module
  (memory (export "mem") (data "\2a\00\00\00"))
  (global $g (mut i32) (i32.const 7))

  ;; A named function: its $id (not its export name) becomes its name.
  ;; CHECK-LABEL: define internal fastcc i32 @"wasm[0]:pick"(ptr %vmctx, i32
  ;; CHECK: icmp ne i32
  (func $pick (export "choose") (param $c i32) (result i32)
    (if (result i32) (local.get $c)
      (then (i32.load offset=0 align=4 (i32.const 0)))
      (else (global.get $g))))

  ;; Labels by name, `end $label`, and a forward call by name.
  ;; CHECK-LABEL: define internal fastcc i32 @"wasm[1]:loop"
  ;; CHECK: call fastcc i32 @"wasm[0]:pick"
  (func $loop (export "loop") (param $n i32) (result i32) (local $acc i32)
    block $done
      loop $again
        local.get $n
        i32.eqz
        br_if $done
        (local.set $acc (i32.add (local.get $acc) (call $pick (local.get $n))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        br $again
      end $again
    end $done
    local.get $acc)
)
