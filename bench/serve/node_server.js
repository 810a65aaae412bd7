// bench/serve: the same WAGI handlers under node (V8), a fresh WebAssembly.Instance per
// request: the module is compiled once, each request gets a new instance with a small
// in-memory WASI preview 1 (args, environment, stdin from the body, stdout collected),
// and the CGI output is turned into the HTTP response.
// usage: node node_server.js PORT ROUTE=FILE.wasm...
'use strict';
const http = require('http');
const fs = require('fs');

const port = Number(process.argv[2]);
const routes = new Map();
for (const arg of process.argv.slice(3)) {
  const [route, file] = arg.split('=');
  routes.set(route, new WebAssembly.Module(fs.readFileSync(file)));
}

class Exit { constructor(code) { this.code = code; } }
const ESUCCESS = 0, EBADF = 8, ENOSYS = 52;

function wasi(args, env, stdin, out) {
  let memory;
  const view = () => new DataView(memory.buffer);
  const bytes = () => new Uint8Array(memory.buffer);
  const enc = new TextEncoder();
  const argv = args.map((a) => enc.encode(a + '\0'));
  const envv = Object.entries(env).map(([k, v]) => enc.encode(`${k}=${v}\0`));
  let stdinPos = 0;
  const list = (items) => ({
    sizes(countPtr, sizePtr) {
      view().setUint32(countPtr, items.length, true);
      view().setUint32(sizePtr, items.reduce((n, b) => n + b.length, 0), true);
      return ESUCCESS;
    },
    get(ptrs, buf) {
      for (const b of items) {
        view().setUint32(ptrs, buf, true);
        bytes().set(b, buf);
        ptrs += 4;
        buf += b.length;
      }
      return ESUCCESS;
    },
  });
  const a = list(argv), e = list(envv);
  const imports = {
    args_sizes_get: a.sizes, args_get: a.get,
    environ_sizes_get: e.sizes, environ_get: e.get,
    fd_write(fd, iovs, n, written) {
      if (fd !== 1 && fd !== 2) return EBADF;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const p = view().getUint32(iovs + 8 * i, true), len = view().getUint32(iovs + 8 * i + 4, true);
        if (fd === 1) out.push(Buffer.from(bytes().slice(p, p + len)));
        total += len;
      }
      view().setUint32(written, total, true);
      return ESUCCESS;
    },
    fd_read(fd, iovs, n, read) {
      if (fd !== 0) return EBADF;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const p = view().getUint32(iovs + 8 * i, true), len = view().getUint32(iovs + 8 * i + 4, true);
        const chunk = stdin.subarray(stdinPos, stdinPos + len);
        bytes().set(chunk, p);
        stdinPos += chunk.length;
        total += chunk.length;
        if (chunk.length < len) break;
      }
      view().setUint32(read, total, true);
      return ESUCCESS;
    },
    fd_fdstat_get(fd, stat) {
      if (fd > 2) return EBADF;
      for (let i = 0; i < 24; i++) view().setUint8(stat + i, 0);
      view().setUint8(stat, 2);  // character device
      return ESUCCESS;
    },
    fd_close: () => ESUCCESS,
    fd_seek: () => 70,  // ESPIPE
    fd_prestat_get: () => EBADF,
    proc_exit(code) { throw new Exit(code); },
  };
  const proxy = new Proxy(imports, { get: (t, k) => t[k] || (() => ENOSYS) });
  return { imports: proxy, setMemory(m) { memory = m; } };
}

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const [path, query = ''] = req.url.split('?');
    const module = routes.get(path);
    if (!module) { res.writeHead(404); res.end('not found\n'); return; }
    const body = Buffer.concat(chunks);
    const env = { REQUEST_METHOD: req.method, QUERY_STRING: query, PATH_INFO: '',
                  SCRIPT_NAME: path, CONTENT_LENGTH: String(body.length),
                  CONTENT_TYPE: req.headers['content-type'] || '', SERVER_PROTOCOL: 'HTTP/1.1' };
    const out = [];
    const w = wasi([path, ...(query ? query.split('&') : [])], env, body, out);
    let status = 200;
    try {
      const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: w.imports });
      w.setMemory(instance.exports.memory);
      instance.exports._start();
    } catch (err) {
      if (!(err instanceof Exit) || err.code !== 0) status = 500;
    }
    if (status !== 200) { res.writeHead(500); res.end('handler failed\n'); return; }
    const text = Buffer.concat(out).toString();
    const split = text.indexOf('\n\n');
    const headers = {};
    for (const line of text.slice(0, split).split('\n')) {
      const i = line.indexOf(':');
      const k = line.slice(0, i).trim(), v = line.slice(i + 1).trim();
      if (k.toLowerCase() === 'status') status = parseInt(v, 10);
      else headers[k] = v;
    }
    res.writeHead(status, headers);
    res.end(text.slice(split + 2));
  });
}).listen(port, '127.0.0.1', () => console.error(`node listening on ${port}`));
