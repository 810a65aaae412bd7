;; A byte-copy loop that LLVM's loop-idiom pass turns into a memcpy call: the artifact must
;; resolve memcpy internally.
(module
  (memory 1)
  (func (export "copy") (param $dst i32) (param $src i32) (param $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))))
