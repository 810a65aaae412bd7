// Run a wasm32-wasi command module under Node's built-in WASI (preview 1) and exit
// with the module's exit code.
//
//   node --no-warnings bench/node/run-wasi.mjs app.wasm [args...]
//
// --no-warnings keeps node:wasi's ExperimentalWarning off stderr. The guest gets the
// arguments (argv[0] is the module's path), an empty environment, stdio, and no
// pre-opened directories.
//
// bench/run also passes --no-liftoff: V8 has no on-stack replacement for Wasm, so a
// kernel whose whole loop nest sits in main() would otherwise run to the end in the
// Liftoff baseline tier; without Liftoff every function is compiled by TurboFan
// before it first runs.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node --no-warnings run-wasi.mjs app.wasm [args...]\n');
  process.exit(2);
}

const wasi = new WASI({
  version: 'preview1',
  args: [file, ...args],
  env: {},
  returnOnExit: true,
});

let code;
try {
  const module = await WebAssembly.compile(await readFile(file));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  code = wasi.start(instance);
} catch (e) {
  process.stderr.write(`run-wasi: ${e instanceof WebAssembly.RuntimeError ? 'trap: ' : ''}${e.message}\n`);
  code = e instanceof WebAssembly.RuntimeError ? 134 : 1;
}
process.exitCode = code;
