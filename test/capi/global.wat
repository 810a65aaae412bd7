;; global: globals imported from the host (constant and mutable), globals defined and
;; exported by the module, a constant initialised from an import, a re-exported import.
(module
  (import "host" "const_i32" (global $ci i32))
  (import "host" "var_i64" (global $vi (mut i64)))
  (import "host" "const_f64" (global $cf f64))
  (import "host" "var_f32" (global $vf (mut f32)))

  (global $ei (mut i64) (i64.const -1))
  (global $ef (mut f64) (f64.const 2.5))
  (global $ec i32 (i32.const 7))
  (global $derived i32 (global.get $ci))

  (func (export "get_ci") (result i32) (global.get $ci))
  (func (export "get_vi") (result i64) (global.get $vi))
  (func (export "set_vi") (param i64) (global.set $vi (local.get 0)))
  (func (export "get_cf") (result f64) (global.get $cf))
  (func (export "get_vf") (result f32) (global.get $vf))
  (func (export "set_vf") (param f32) (global.set $vf (local.get 0)))
  (func (export "get_ei") (result i64) (global.get $ei))
  (func (export "set_ei") (param i64) (global.set $ei (local.get 0)))
  (func (export "get_ef") (result f64) (global.get $ef))
  (func (export "set_ef") (param f64) (global.set $ef (local.get 0)))

  (export "var_i64_again" (global $vi))
  (export "exp_var_i64" (global $ei))
  (export "exp_var_f64" (global $ef))
  (export "exp_const_i32" (global $ec))
  (export "derived" (global $derived))
)
