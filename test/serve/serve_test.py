#!/usr/bin/env python3
"""kiln serve over real HTTP (Python's http.client): a WAGI handler in C compiled at test
time, served by `kiln serve` on 127.0.0.1, answers methods, headers, queries and bodies
(empty, large, chunked) with the CGI environment WAGI defines; hostile requests (an
infinite loop, a trap, a non-zero exit, a body over the limit, output that is not CGI)
get their documented status while good requests keep being served, also from concurrent
clients; SIGTERM stops the server cleanly.

usage: serve_test.py BIN_DIR WORK_DIR SOURCE_DIR [WORKERS]
(without WORKERS, the default: an event loop per core; with it, that many event loops)
"""
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time

BIN, WORK, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
WORKERS = sys.argv[4] if len(sys.argv) > 4 else ""
os.makedirs(WORK, exist_ok=True)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def build(name):
    wasm = os.path.join(WORK, name + ".wasm")
    so = os.path.join(WORK, name + ".so")
    subprocess.run(["clang-19", "--target=wasm32-wasi", "--sysroot=/usr", "-O2",
                    os.path.join(SRC, name + ".c"), "-o", wasm], check=True)
    subprocess.run([os.path.join(BIN, "kilnc"), wasm, "-o", so], check=True)
    return so


handler = build("wagi_handler")
config = os.path.join(WORK, "serve.toml")
DATA = os.path.join(WORK, "data")
SECRET_PATH = os.path.join(WORK, "secret.txt")
os.makedirs(DATA, exist_ok=True)
with open(os.path.join(DATA, "hello.txt"), "w") as f:
    f.write("pre-opened content\n")
with open(os.path.join(WORK, "secret.txt"), "w") as f:
    f.write("outside the pre-open\n")


def write_config(greeting, artifact):
    with open(config, "w") as f:
        f.write(f"""listen = "127.0.0.1:0"
metrics = "127.0.0.1:0"
{"workers = " + WORKERS if WORKERS else ""}
access_log = "{os.path.join(WORK, 'access.log')}"

[limits]
timeout = "1s"
max_body = "64K"
max_response = "256K"

[[route]]
path = "/..."
artifact = "{artifact}"
env = {{ GREETING = "{greeting}" }}

[[route]]
path = "/exact"
artifact = "{handler}"
env = {{ GREETING = "exact" }}
limits = {{ max_body = "1M" }}

[[route]]
path = "/files/..."
artifact = "{handler}"
ro_dirs = {{ "/data" = "{DATA}" }}

[[route]]
path = "/noenv/..."
artifact = "{handler}"
deny_imports = ["wasi_snapshot_preview1::environ_get"]
""")


write_config("hello", handler)

server = subprocess.Popen([os.path.join(BIN, "kiln"), "serve", "--config", config],
                          stderr=subprocess.PIPE, text=True)
line = server.stderr.readline()
m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/ \(metrics: http://127\.0\.0\.1:(\d+)/metrics\)", line)
if not m:
    server.kill()
    print("kiln serve did not start:", line, server.stderr.read())
    sys.exit(1)
port, metrics_port = int(m.group(1)), int(m.group(2))
log_lines = []
threading.Thread(target=lambda: log_lines.extend(server.stderr), daemon=True).start()


def request(method, path, body=None, headers=None, chunked=False):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict(r.getheaders()), data


def fields(body):
    """The handler's report: 'key value' lines."""
    out = {"arg": []}
    for ln in body.decode().splitlines():
        k, _, v = ln.partition(" ")
        if k == "arg":
            out["arg"].append(v)
        elif k == "env":
            name, _, value = v.partition("=")
            out["env:" + name] = value
        else:
            out[k] = v
    return out


# GET with a query and a path below the route.
status, headers, body = request("GET", "/items/a%20b?x=1&flag", headers={"X-Trace-Id": "abc"})
check(status == 200, f"GET status {status}")
check(headers.get("Content-Type") == "text/plain", f"content type {headers}")
check(headers.get("X-Handler") == "wagi", "handler header passed through")
f = fields(body)
check(f["arg"] == ["/items/a%20b", "x=1", "flag"], f"args {f['arg']}")
for k, v in {"REQUEST_METHOD": "GET", "QUERY_STRING": "x=1&flag", "PATH_INFO": "/items/a b",
             "X_RAW_PATH_INFO": "/items/a%20b", "SCRIPT_NAME": "/", "X_MATCHED_ROUTE": "/...",
             "HTTP_X_TRACE_ID": "abc", "GATEWAY_INTERFACE": "CGI/1.1", "GREETING": "hello",
             "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
             "X_FULL_URL": f"http://127.0.0.1:{port}/items/a%20b?x=1&flag"}.items():
    check(f.get("env:" + k) == v, f"{k} = {f.get('env:' + k)!r}, expected {v!r}")
check(f.get("body") == "0", "empty body")

# The exact route wins over the wildcard.
status, _, body = request("GET", "/exact")
check(status == 200 and fields(body).get("env:GREETING") == "exact", "exact route")

# Bodies: plain, large, chunked, empty POST; the handler reports size and checksum.
for name, data, chunked in [("small", b"hello body", False), ("large", os.urandom(60000), False),
                            ("chunked", os.urandom(30000), True), ("empty", b"", False)]:
    status, _, body = request("POST", "/upload", body=iter([data]) if chunked else data,
                              headers={"Content-Type": "application/octet-stream"},
                              chunked=chunked)
    f = fields(body)
    check(status == 200, f"{name} POST status {status}")
    check(f.get("body") == str(len(data)), f"{name} body size {f.get('body')}")
    check(f.get("sum") == str(sum(data) & 0xffffffff), f"{name} body checksum")
    check(f.get("env:CONTENT_TYPE") == "application/octet-stream" or name == "empty",
          f"{name} content type")

# Methods.
for method in ["PUT", "DELETE", "PATCH"]:
    status, _, body = request(method, "/m", body=b"x")
    check(status == 200 and fields(body).get("env:REQUEST_METHOD") == method, f"{method}")

# Handler-chosen status and redirects.
status, _, _ = request("GET", "/?status=418")
check(status == 418, f"handler status {status}")
status, headers, _ = request("GET", "/?redirect=1")
check(status == 302 and headers.get("Location") == "/elsewhere", f"redirect {status}")

# Hostile and failing requests, each with its status.
t0 = time.monotonic()
status, _, body = request("GET", "/?loop=1")
check(status == 504, f"infinite loop -> {status}")
check(time.monotonic() - t0 < 5, "the deadline stopped the loop")
check(b"trap" not in body and b"interrupted" not in body, "no details to the client")
check(request("GET", "/?trap=1")[0] == 500, "trap -> 500")
check(request("GET", "/?exit=7")[0] == 500, "exit 7 -> 500")
check(request("GET", "/?garbage=1")[0] == 500, "not a CGI response -> 500")
check(request("GET", "/?flood=1")[0] == 500, "output flood -> 500")
check(request("GET", "/?hog=1")[0] in (200, 500), "memory hog is contained")
check(request("POST", "/", body=b"x" * 70000)[0] == 413, "body over max_body -> 413")
check(request("POST", "/", body=iter([b"x" * 70000]), chunked=True)[0] == 413,
      "chunked body over max_body -> 413")
check(request("POST", "/exact", body=b"x" * 70000)[0] == 200, "the route's own max_body")

# Files: only beneath the route's pre-open (read-only), and nowhere on other routes.
def file_probe(path):
    status, _, body = request("GET", path)
    return status, body.decode().strip()


check(file_probe("/files/x?read=/data/hello.txt") == (200, "file pre-opened content"),
      f"read in the pre-open: {file_probe('/files/x?read=/data/hello.txt')}")
for outside in ["/data/../secret.txt", SECRET_PATH, "/etc/passwd"]:
    check(file_probe("/files/x?read=" + outside)[1].startswith("file-error"),
          f"read outside the pre-open refused: {outside}")
check(file_probe("/items?read=/data/hello.txt")[1].startswith("file-error"),
      "a route without pre-opens reads nothing")
# An import the route's policy does not approve: the instance is refused, 500.
check(request("GET", "/noenv/x")[0] == 500, "unapproved import: 500")

# Concurrent clients, with hostile ones among them: the good ones are all answered.
results = []


def client(i):
    path = "/?loop=1" if i % 8 == 0 else f"/c{i}?n={i}"
    began = time.monotonic()
    status, _, body = request("GET", path)
    results.append((i, status, body, time.monotonic() - began))


threads = [threading.Thread(target=client, args=(i,)) for i in range(48)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for i, status, body, took in results:
    if i % 8 == 0:
        check(status == 504, f"concurrent loop {i}: {status}")
    else:
        check(status == 200 and fields(body)["arg"] == [f"/c{i}", f"n={i}"],
              f"concurrent client {i}: {status}")
        # Not held up by the loops (each runs to its 1 s timeout): a handler that holds
        # an event loop is moved off it within milliseconds.
        check(took < 0.5, f"concurrent client {i} waited {took:.3f} s")
check(len(results) == 48, "every concurrent request answered")

# Metrics in the Prometheus text format.
c = http.client.HTTPConnection("127.0.0.1", metrics_port, timeout=10)
c.request("GET", "/metrics")
r = c.getresponse()
metrics = r.read().decode()
check(r.status == 200, "metrics status")
check(re.search(r'kiln_serve_requests_total\{route="/\.\.\.",status="200"\} \d+', metrics) is not None,
      "requests by route and status")
check(re.search(r'kiln_serve_requests_total\{route="/\.\.\.",status="504"\} 7', metrics) is not None,
      "deadline requests counted (1 + 6 concurrent)")
check('kiln_serve_request_duration_seconds_bucket{route="/...",le="+Inf"}' in metrics, "histogram")
# A loop keeps its core busy for its whole second: it is moved off its event loop, then
# to idle priority.
demoted = re.search(r'kiln_serve_demoted_total\{route="/\.\.\."\} (\d+)', metrics)
check(demoted is not None and int(demoted.group(1)) >= 7,
      f"demoted handlers: {demoted.group(1) if demoted else None}")
check(re.search(r'kiln_serve_traps_total\{route="/\.\.\."\} [1-9]', metrics) is not None, "traps")
check(re.search(r'kiln_serve_deadlines_total\{route="/\.\.\."\} 7', metrics) is not None, "deadlines")
check("kiln_serve_live_instances 0" in metrics, "live instances")

# SIGHUP reload under load: no request fails, and new requests see the new version; a
# configuration that does not verify changes nothing.
stop = threading.Event()
during = []


def load():
    while not stop.is_set():
        during.append(request("GET", "/load")[0])


loaders = [threading.Thread(target=load) for _ in range(4)]
for t in loaders:
    t.start()
time.sleep(0.3)
write_config("reloaded", handler)
server.send_signal(signal.SIGHUP)
time.sleep(0.5)
stop.set()
for t in loaders:
    t.join()
check(len(during) > 10 and all(s == 200 for s in during),
      f"requests during reload: {len(during)}, failed {[s for s in during if s != 200][:5]}")
check(fields(request("GET", "/after")[2]).get("env:GREETING") == "reloaded", "new version served")
write_config("broken", os.path.join(WORK, "missing.so"))
server.send_signal(signal.SIGHUP)
time.sleep(0.3)
check(fields(request("GET", "/after")[2]).get("env:GREETING") == "reloaded",
      "a bad reload keeps the old version")

# The server's log has the details the clients did not get.
server.send_signal(signal.SIGTERM)
code = server.wait(timeout=20)
check(code == 0, f"exit status after SIGTERM: {code}")
log = "".join(log_lines)
check("past its timeout" in log, "timeout logged")
check("trap: unreachable" in log, "trap logged")
check("exited with code 7" in log, "exit code logged")
check("SIGHUP: reloaded" in log, "reload logged")
check("not reloaded" in log and "missing.so" in log, "failed reload logged with the reason")
with open(os.path.join(WORK, "access.log")) as f:
    access = f.read()
check('"GET /items/a%20b?x=1&flag HTTP/1.1" 200' in access, "access log line")

# --isolate: the same server restricted (privileges, Landlock, seccomp) serves, reads only
# its pre-open, stops loops at their timeout, refuses SIGHUP reloads and stops on SIGTERM.
write_config("isolated", handler)
iso = subprocess.Popen([os.path.join(BIN, "kiln"), "serve", "--isolate", "--config", config],
                       stderr=subprocess.PIPE, text=True)
line = iso.stderr.readline()
m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
check(m is not None, f"--isolate server started: {line!r}")
if m:
    port = int(m.group(1))
    iso_log = []
    threading.Thread(target=lambda: iso_log.extend(iso.stderr), daemon=True).start()
    with open(f"/proc/{iso.pid}/status") as f:
        st = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
    check(st.get("Seccomp", "").strip() == "2", f"isolated: seccomp filter on: {st.get('Seccomp')}")
    check(st.get("NoNewPrivs", "").strip() == "1", "isolated: no_new_privs")
    check(int(st.get("CapEff", "1").strip(), 16) == 0, f"isolated: no capabilities: {st.get('CapEff')}")
    status, _, body = request("GET", "/iso?q=1")
    check(status == 200 and fields(body)["arg"] == ["/iso", "q=1"], f"isolated GET: {status}")
    check(file_probe("/files/x?read=/data/hello.txt") == (200, "file pre-opened content"),
          "isolated: read in the pre-open")
    check(file_probe("/files/x?read=" + SECRET_PATH)[1].startswith("file-error"),
          "isolated: read outside refused")
    check(request("GET", "/x?loop=1")[0] == 504, "isolated: loop stopped at its timeout")
    check(request("POST", "/x", body=b"z" * 100000)[0] == 413, "isolated: body too large")
    iso.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    check(request("GET", "/after-hup")[0] == 200, "isolated: still serving after SIGHUP")
    iso.send_signal(signal.SIGTERM)
    code = iso.wait(timeout=20)
    check(code == 0, f"isolated: exit status after SIGTERM: {code} {''.join(iso_log)[-300:]}")
    check("not possible under --isolate" in "".join(iso_log), "isolated: reload refused in the log")
else:
    iso.kill()

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("serve: all checks passed")
