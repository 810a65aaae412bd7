;; reflect: imports and exports of every kind, with limits present and absent.
(module
  (import "env" "f" (func $f (param i32 i64) (result f32)))
  (import "env" "g" (global $g i32))
  (import "env" "gm" (global $gm (mut f64)))
  (import "env" "t" (table $t 1 funcref))
  (import "env" "m" (memory $m 1 2))
  (import "other" "r" (func $r (param externref) (result funcref)))

  (func $h (param f64 f32) (result i64 i32) (i64.const 0) (i32.const 0))
  (func $nothing)
  (global $eg (mut i64) (i64.const 0))
  (global $er externref (ref.null extern))
  (table $et 2 5 externref)

  (export "h" (func $h))
  (export "nothing" (func $nothing))
  (export "eg" (global $eg))
  (export "er" (global $er))
  (export "et" (table $et))
  (export "em" (memory $m))
  (export "ef" (func $f))
  (export "egm" (global $gm))
)
