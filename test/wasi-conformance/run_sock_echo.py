#!/usr/bin/env python3
"""Runs sock_echo.c under kiln with --tcplisten and talks to it as a TCP client.
usage: run_sock_echo.py BIN_DIR WORK_DIR SOURCE_DIR"""
import os
import socket
import subprocess
import sys
import time

bin_dir, work, src = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
wasm = os.path.join(work, "sock_echo.wasm")
so = os.path.join(work, "sock_echo.so")
subprocess.run(["clang-19", "--target=wasm32-wasi", "--sysroot=/usr", "-O2",
                os.path.join(src, "sock_echo.c"), "-o", wasm], check=True)
subprocess.run([os.path.join(bin_dir, "kilnc"), wasm, "-O2", "-o", so], check=True)

# A free port: bound by us, released, then handed to kiln (retried if someone takes it).
for attempt in range(5):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    isolate = ["--isolate"] if os.environ.get("WASI_ISOLATE") == "1" else []
    server = subprocess.Popen([os.path.join(bin_dir, "kiln"), "run"] + isolate + [so,
                               "--tcplisten", "127.0.0.1:%d" % port],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reply = None
    deadline = time.time() + 10
    while time.time() < deadline and server.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                c.sendall(b"ping\n")
                data = b""
                while True:
                    chunk = c.recv(100)
                    if not chunk:
                        break
                    data += chunk
                reply = data
                break
        except ConnectionRefusedError:
            time.sleep(0.05)
    try:
        out, err = server.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        out, err = server.communicate()
    if reply is None and b"Address already in use" in err:
        continue
    break

want_out = b"peek: OK 2 bytes \"pi\"\nrecv: OK 5 bytes\nsend: OK 11 bytes\nshutdown: OK\n"
ok = True
if reply != b"echo: ping\n":
    print("FAIL: the client got %r, expected b'echo: ping\\n'" % reply)
    ok = False
if out != want_out:
    print("FAIL: guest stdout %r, expected %r" % (out, want_out))
    ok = False
if server.returncode != 0:
    print("FAIL: exit status %s; stderr %r" % (server.returncode, err))
    ok = False
if ok:
    print("PASS: sock_accept/recv/send/shutdown on a --tcplisten socket")
sys.exit(0 if ok else 1)
