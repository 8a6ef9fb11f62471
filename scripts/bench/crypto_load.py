#!/usr/bin/env python3
"""The work Sealdrop adds to an upload, without the server: SHA-256 or AES-256-GCM over a file, `times` times.

Usage: crypto_load.py FILE TIMES sha|aes [--wait]

Reads FILE once and runs OpenSSL (Python's hashlib, the `cryptography` package) over it in 1 MiB pieces, like
Sealdrop's 1 MiB segments, `TIMES` times. `scripts/bench/run` starts one process per algorithm beside nginx
receiving the same uploads: nginx's own work plus exactly this crypto, and nothing else, is what an ideal
hashing-and-encrypting server could not go below on the same cores. With `--wait` it prints `ready` once the
file is read and starts when a line arrives on stdin, so the interpreter's start is not counted.
"""
import hashlib
import os
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MiB = 1 << 20


def main():
    path, times, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(path, "rb") as f:
        data = memoryview(f.read())
    key, nonce = AESGCM(os.urandom(32)), os.urandom(12)
    if "--wait" in sys.argv[4:]:
        print("ready", flush=True)
        sys.stdin.readline()
    for _ in range(times):
        if what == "sha":
            h = hashlib.sha256()
            for offset in range(0, len(data), MiB):
                h.update(data[offset:offset + MiB])
            h.digest()
        elif what == "aes":
            for offset in range(0, len(data), MiB):
                key.encrypt(nonce, data[offset:offset + MiB], None)
        else:
            raise SystemExit(f"unknown work {what!r}: sha or aes")


if __name__ == "__main__":
    main()
