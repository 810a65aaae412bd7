#!/usr/bin/env python3
"""Writes a valid Wasm module with one memory (enough pages) and one active data segment of
SIZE zero bytes at offset 0, as a sparse file: the zeros take no disk space.
usage: sparse_data_module.py OUT.wasm SIZE"""
import sys


def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def section(sid, payload):
    return bytes([sid]) + leb(len(payload)) + payload


out, size = sys.argv[1], int(sys.argv[2])
pages = (size + 65535) // 65536
memory = section(5, leb(1) + b"\x00" + leb(pages))
seg_head = leb(1) + b"\x00" + b"\x41\x00\x0b" + leb(size)  # one active segment at i32 0
data_head = bytes([11]) + leb(len(seg_head) + size) + seg_head
with open(out, "wb") as f:
    f.write(b"\x00asm\x01\x00\x00\x00" + memory + data_head)
    f.truncate(f.tell() + size)
