// Fresh instance per request under node: bench/request/handler.c built for wasm32-wasi,
// compiled once, then for every request a new node:wasi context (the request as
// argv[1], stdout and stderr to /dev/null) and a new WebAssembly.Instance, run to its
// end. The counterpart of kiln-bench-request's kiln-instance mode.
//
//   node --no-warnings bench/node/request.mjs handler.wasm [REQUESTS]
//
// Prints "node-instance p50_us=X p99_us=Y mean_us=Z".
import { readFileSync, openSync } from 'node:fs';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [file, countArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node --no-warnings request.mjs handler.wasm [REQUESTS]\n');
  process.exit(2);
}
const count = Number(countArg ?? 2000);
const items = ['anvil', 'bolt', 'crate', 'drill', 'gear', 'hinge', 'lamp', 'nail', 'pulley',
  'rope', 'spring', 'widget'];
const currencies = ['USD', 'EUR', 'GBP'];
const requests = [];
for (let i = 0; i < 36; ++i) {
  requests.push(`GET /price?item=${items[i % 12]}&qty=${1 + (i * 37) % 150}&currency=${currencies[i % 3]}`);
}
const devnull = openSync('/dev/null', 'w');
const module = new WebAssembly.Module(readFileSync(file));

function serve(request) {
  const wasi = new WASI({
    version: 'preview1', args: ['handler', request], env: {}, stdout: devnull, stderr: devnull,
    returnOnExit: true,
  });
  const instance = new WebAssembly.Instance(module, wasi.getImportObject());
  const code = wasi.start(instance);
  if (code !== 0) throw new Error(`handler exited with ${code} for ${request}`);
}

for (let i = 0; i < Math.max(1, count / 10); ++i) serve(requests[i % requests.length]);
const us = [];
for (let i = 0; i < count; ++i) {
  const t0 = process.hrtime.bigint();
  serve(requests[i % requests.length]);
  us.push(Number(process.hrtime.bigint() - t0) / 1000);
}
const mean = us.reduce((a, b) => a + b, 0) / us.length;
us.sort((a, b) => a - b);
const at = (q) => us[Math.min(us.length - 1, Math.floor(q * us.length))];
console.log(`node-instance p50_us=${at(0.5).toFixed(2)} p99_us=${at(0.99).toFixed(2)} mean_us=${mean.toFixed(2)}`);
