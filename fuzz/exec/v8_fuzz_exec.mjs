// The reference side of the differential fuzzer: runs a module in V8 (node) and prints the
// same lines as fuzz/exec/kiln_fuzz_exec.cc (the line format is described there; keep the
// two in step). Prints raw bits; fuzz/normalize.py decides what may differ.
//
//   node v8_fuzz_exec.mjs MODULE.wasm PLAN
//   node v8_fuzz_exec.mjs MODULE.wasm          only checks that V8 compiles the module
//
// Exit status: 0 after the plan ran, 3 if V8 does not compile the module (the fuzzer then
// counts it as not runnable by the reference instead of comparing).
import fs from 'node:fs';

const [wasmPath, planPath] = process.argv.slice(2);
const out = (line) => fs.writeSync(1, line + '\n');  // unbuffered: a hang loses nothing

const scratch = new DataView(new ArrayBuffer(8));
const hex = (v, digits) => v.toString(16).padStart(digits, '0');

// A JS value coming out of Wasm with Wasm type `type`, in the plan's VALUE form.
function show(type, v) {
  switch (type) {
    case 'i32': return 'i32:' + hex(v >>> 0, 8);
    case 'i64': return 'i64:' + hex(BigInt.asUintN(64, BigInt(v)), 16);
    case 'f32': scratch.setFloat32(0, v, true); return 'f32:' + hex(scratch.getUint32(0, true), 8);
    case 'f64': scratch.setFloat64(0, v, true); return 'f64:' + hex(scratch.getBigUint64(0, true), 16);
    case 'funcref': return v === null ? 'ref:null' : 'ref:func';
    default: return v === null ? 'ref:null' : 'ref:extern';
  }
}

// A plan argument as a JS value (the inverse of show).
function parse(text) {
  const [type, bits] = text.split(':');
  switch (type) {
    case 'i32': return Number.parseInt(bits, 16) | 0;
    case 'i64': return BigInt.asIntN(64, BigInt('0x' + bits));
    case 'f32': scratch.setUint32(0, Number.parseInt(bits, 16), true); return scratch.getFloat32(0, true);
    case 'f64': scratch.setBigUint64(0, BigInt('0x' + bits), true); return scratch.getFloat64(0, true);
    case 'ref': return null;
    default: throw new TypeError('plan argument ' + text + ' cannot cross the JS boundary');
  }
}

// Percent-encoding of names, as in the C++ driver: [A-Za-z0-9_.-] stay, other UTF-8 bytes
// become %XX.
function encodeName(name) {
  let s = '';
  for (const b of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(b);
    s += /[A-Za-z0-9_.-]/.test(c) ? c : '%' + hex(b, 2);
  }
  return s;
}
const decodeName = (text) =>
  Buffer.from(text.replace(/%([0-9a-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');

function hashMemory(buffer) {
  const words = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
  let h = 2166136261;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 16777619);
  return h >>> 0;
}

function printState(instance, exportTypes) {
  const names = Object.keys(instance.exports).map((n) => [encodeName(n), n]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [enc, n] of names) {
    const e = instance.exports[n];
    if (e instanceof WebAssembly.Memory) {
      out(`mem ${enc} ${e.buffer.byteLength / 65536} ${hex(hashMemory(e.buffer), 8)}`);
    } else if (e instanceof WebAssembly.Global) {
      const type = exportTypes.get(n)?.global ?? 'unknown';
      out(`global ${enc} ${type} ${type === 'v128' ? '-' : show(type, e.value)}`);
    } else if (e instanceof WebAssembly.Table) {
      out(`table ${enc} ${e.length}`);
    }
  }
}

function trapText(e) {
  if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) return e.message;
  // An imported JS function with a v128 in its signature (binaryen's log-v128) throws this
  // when Wasm calls it; kiln-fuzz-exec traps with the same text there.
  if (e instanceof TypeError && e.message === 'type incompatibility when transforming from/to JS') return 'v128 at the JS boundary';
  if (typeof WebAssembly.Exception === 'function' && e instanceof WebAssembly.Exception) return 'uncaught exception';
  return null;
}

const bytes = fs.readFileSync(wasmPath);
let module;
try {
  module = new WebAssembly.Module(bytes);
} catch (e) {
  out('compile error ' + e.message);
  process.exit(3);
}
if (planPath === undefined) process.exit(0);
// The plan's header gives the Wasm types the JS API does not reflect (fuzz/plan.py):
//   import MODULE NAME PARAMS          PARAMS: comma-separated types, or '-' for none
//   export NAME func PARAMS RESULTS
//   export NAME global TYPE
const plan = fs.readFileSync(planPath, 'utf8').split('\n').map((l) => l.split(' ').filter((w) => w !== ''));
const types = (text) => (text === '-' ? [] : text.split(','));
const importTypes = new Map(), exportTypes = new Map();
for (const w of plan) {
  if (w[0] === 'import') importTypes.set(decodeName(w[1]) + '\0' + decodeName(w[2]), types(w[3]));
  if (w[0] === 'export' && w[2] === 'func') exportTypes.set(decodeName(w[1]), { func: { params: types(w[3]), results: types(w[4]) } });
  if (w[0] === 'export' && w[2] === 'global') exportTypes.set(decodeName(w[1]), { global: w[3] });
}

const imports = {};
for (const imp of WebAssembly.Module.imports(module)) {
  const { module: m, name, kind } = imp;
  if (kind === 'function' && (m === 'fuzzing-support' || (m === 'spectest' && name.startsWith('print')))) {
    const params = importTypes.get(m + '\0' + name) ?? [];
    const label = encodeName(m) + '.' + encodeName(name);
    (imports[m] ??= {})[name] = (...args) => {
      out('host ' + label + params.map((t, i) => ' ' + show(t, args[i])).join(''));
    };
  } else if (m === 'spectest') {
    const g = { global_i32: ['i32', 666], global_i64: ['i64', 666n], global_f32: ['f32', 666.6], global_f64: ['f64', 666.6] };
    if (kind === 'global' && name in g) (imports.spectest ??= {})[name] = new WebAssembly.Global({ value: g[name][0] }, g[name][1]);
    if (kind === 'table' && name === 'table') (imports.spectest ??= {}).table ??= new WebAssembly.Table({ element: 'anyfunc', initial: 10, maximum: 20 });
    if (kind === 'memory' && name === 'memory') (imports.spectest ??= {}).memory ??= new WebAssembly.Memory({ initial: 1, maximum: 2 });
  }
}

let instance;
try {
  instance = new WebAssembly.Instance(module, imports);
} catch (e) {
  const t = trapText(e);
  out(t !== null ? 'instantiate trap ' + t : 'instantiate error ' + e.message);
  process.exit(0);
}
out('instantiate ok');
printState(instance, exportTypes);

for (const words of plan) {
  if (words[0] !== 'call') continue;
  const enc = words[1];
  out('call ' + enc);
  const name = decodeName(enc);
  const f = instance.exports[name];
  const sig = exportTypes.get(name)?.func;
  if (typeof f !== 'function' || !sig) { out('skip no function export'); continue; }
  let args;
  try { args = words.slice(2).map(parse); } catch (e) { out('skip ' + e.message); continue; }
  try {
    const r = f(...args);
    const results = sig.results.length === 1 ? [r] : sig.results.length === 0 ? [] : [...r];
    out('result' + results.map((v, i) => ' ' + show(sig.results[i], v)).join(''));
  } catch (e) {
    const t = trapText(e);
    if (t === null) { out('skip ' + e.message); continue; }
    out('trap ' + t);
  }
  printState(instance, exportTypes);
}
