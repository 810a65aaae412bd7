;; Signed artifacts end to end: kiln keygen, kilnc --sign, kiln verify, kiln run
;; --require-signature, kiln inspect; a flipped byte, a stripped signature, another key and
;; an unsigned artifact are refused with the reason, before anything runs.
;; RUN: rm -rf %t.d && mkdir %t.d
;; RUN: %kiln keygen -o %t.d/key > /dev/null && %kiln keygen -o %t.d/other > /dev/null
;; RUN: not %kiln keygen -o %t.d/key 2>&1 | FileCheck %s --check-prefix=NOCLOBBER
;; NOCLOBBER: never overwrites a key
;; RUN: %wat2wasm %s -o %t.wasm && %kilnc %t.wasm --sign %t.d/key -o %t.so
;; RUN: %kiln verify --key %t.d/key.pub %t.so | FileCheck %s --check-prefix=VALID
;; VALID: signature valid (key
;; RUN: %kiln run --require-signature %t.d/key.pub %t.so --invoke answer | FileCheck %s --check-prefix=ANSWER
;; RUN: %kiln run %t.so --invoke answer | FileCheck %s --check-prefix=ANSWER
;; ANSWER-NOT: kiln
;; ANSWER: 42
;; RUN: %kiln inspect --json --key %t.d/key.pub %t.so | FileCheck %s --check-prefix=JSON
;; JSON: "signature": {"status": "valid", "key_id": "
;; RUN: %kiln inspect %t.so | FileCheck %s --check-prefix=TEXT
;; TEXT: signature     signed, not checked (no --key given), key
;; RUN: not %kiln run --require-signature %t.d/other.pub %t.so --invoke answer 2>&1 | FileCheck %s --check-prefix=OTHER
;; OTHER: signed by key {{[0-9a-f]+}}, not by the required key
;; RUN: python3 -c "import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[len(b) // 3] ^= 4; open(sys.argv[2], 'wb').write(b)" %t.so %t.flipped.so
;; RUN: not %kiln run --require-signature %t.d/key.pub %t.flipped.so --invoke answer 2>&1 | FileCheck %s --check-prefix=FLIPPED
;; RUN: not %kiln verify --key %t.d/key.pub %t.flipped.so 2>&1 | FileCheck %s --check-prefix=FLIPPED
;; FLIPPED: does not match the artifact (changed after signing?)
;; RUN: python3 -c "import sys; b = open(sys.argv[1], 'rb').read(); open(sys.argv[2], 'wb').write(b[:-120])" %t.so %t.stripped.so
;; RUN: not %kiln run --require-signature %t.d/key.pub %t.stripped.so --invoke answer 2>&1 | FileCheck %s --check-prefix=UNSIGNED
;; RUN: %kilnc %t.wasm -o %t.plain.so
;; RUN: not %kiln run --require-signature %t.d/key.pub %t.plain.so --invoke answer 2>&1 | FileCheck %s --check-prefix=UNSIGNED
;; UNSIGNED: not signed, and a signature by key {{[0-9a-f]+}} is required
;; The signature is just appended: stripped, the artifact is the unsigned one, byte for byte.
;; RUN: cmp %t.stripped.so %t.plain.so
(module
  (func (export "answer") (result i32) (i32.const 42)))
