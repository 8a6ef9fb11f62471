#!/usr/bin/env python3
"""Archive throughput: a 1 GiB transfer copied to the archive over SFTP by Sealdrop, beside OpenSSH's own `sftp`
client putting the same file to the same sshd in the same run, and the server's peak RSS while archiving.

Usage (the sshd peer's SSH_* variables must be in the environment):
  source scripts/peers/sshd.sh && sshd_peer_start
  scripts/bench/archive_bench.py [--size-mib 1024] [--runs 3] [--bin .build/release/sealdrop]

Sealdrop's time is the copy itself as the server logs it (`archive.archived` with `duration.ms`: connect, SFTP
writes of the decrypted blob with up to 16 requests in flight, fsync, rename, metadata), not the queue's wait.
Every run compares the SHA-256 of the archived file with the sent file. Peak RSS is the highest VmRSS sampled
every 10 ms while the copy runs. Prints Markdown.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
H = {"X-CS-MajorApiVersion": "1", "X-CS-MinimumMinorApiVersion": "13"}
SENDER = "bench@example.org"
PASSWORD = "B3nch!Mark#2026"

sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
from conftest import free_port  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transfer_bench import wait_http  # noqa: E402  (one readiness probe for the benchmarks)


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "sealdrop"))
    args = ap.parse_args()
    e = os.environ
    for name in ("SSH_HOST", "SSH_PORT", "SSH_KEY_USER", "SSH_KEY_FILE", "SSH_ARCHIVE_DIR", "SSH_HOST_FP_ED25519"):
        if not e.get(name):
            sys.exit(f"{name} is not set: source scripts/peers/sshd.sh && sshd_peer_start")
    size = args.size_mib * 1024 * 1024
    work = tempfile.mkdtemp(prefix="sealdrop-archive-bench-")
    src = os.path.join(work, "payload.bin")
    with open(src, "wb") as f:
        for _ in range(args.size_mib):
            f.write(os.urandom(1024 * 1024))
    digest = sha256(src)
    target = os.path.join(e["SSH_ARCHIVE_DIR"], "bench-" + str(os.getpid()))
    os.makedirs(target, mode=0o777)
    os.chmod(target, 0o777)

    # --- OpenSSH's sftp client, the reference
    ref = []
    ssh_opts = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                "-o", "Ciphers=aes128-gcm@openssh.com", "-i", e["SSH_KEY_FILE"], "-P", e["SSH_PORT"]]
    for i in range(args.runs):
        batch = f"put {src} {target}/ref-{i}.bin\n"
        began = time.monotonic()
        subprocess.run(["sftp", "-q", "-b", "-", *ssh_opts, f"{e['SSH_KEY_USER']}@{e['SSH_HOST']}"], input=batch, text=True, check=True,
                       capture_output=True)
        ref.append(size / (time.monotonic() - began) / 1e6)
        os.unlink(f"{target}/ref-{i}.bin")

    # --- Sealdrop
    port, admin = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SEALDROP_DATA_DIR=os.path.join(work, "data"), SEALDROP_USER_HTTP=f"127.0.0.1:{port}",
               SEALDROP_USER_HTTPS="off", SEALDROP_ADMIN_HTTPS="off", SEALDROP_ADMIN_HTTP=f"127.0.0.1:{admin}",
               SEALDROP_BASE_URL=base, SEALDROP_LOG_LEVEL="info")
    with open(e["SSH_KEY_FILE"]) as f:
        key = f.read()
    settings = {"policy": {"maxTotalSize": 64 * 1024 ** 3},
                "archive": {"enabled": True, "connector": "sftp", "privateKey": key, "hostKeyFingerprint": e["SSH_HOST_FP_ED25519"],
                            "url": f"sftp://{e['SSH_KEY_USER']}@{e['SSH_HOST']}:{e['SSH_PORT']}{target}"}}
    config = os.path.join(work, "config.json")
    with open(config, "w") as f:
        json.dump({"settings": settings}, f)
    log_path = os.path.join(work, "server.log")
    log = open(log_path, "wb")
    server = subprocess.Popen([args.bin, "serve", "--config", config], env=env, stdout=log, stderr=subprocess.STDOUT)
    seal, peaks, idle = [], [], 0.0
    try:
        wait_http(base + "/api/status")
        cred = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "verify-sender.py"), base,
                               os.path.join(work, "data", "mail"), SENDER], capture_output=True, text=True, check=True).stdout
        vals = dict(line.split("=", 1) for line in cred.split())
        h = dict(H, **{"X-CS-ClientId": vals["SD_CLIENT_ID"], "X-CS-VerificationToken": vals["SD_TOKEN"]})
        curl_h = sum((["-H", f"{k}: {v}"] for k, v in h.items()), [])
        idle = rss_mib(server.pid)
        for i in range(args.runs):
            r = requests.post(f"{base}/api/users/{SENDER}/transfer-sessions", headers=h,
                              json={"recipients": {"to": [{"mail": "bench-recipient@example.net"}]}})
            tracking = r.headers["Location"].rsplit("/", 1)[1]
            requests.patch(f"{base}/api/users/{SENDER}/transfer-sessions/{tracking}", headers=h,
                           json={"securityMode": {"name": "ONE_TIME_PASSWORD", "config": {"passwordMode": "MANUAL", "password": PASSWORD}}}).raise_for_status()
            r = requests.post(f"{base}/api/users/{SENDER}/transfer-sessions/{tracking}/files", headers=h, json={"fileName": "payload.bin", "size": size})
            file_id = r.json()["data"]["fileId"]
            subprocess.run(["curl", "-s", "-f", "-T", src, *curl_h,
                            f"{base}/api/users/{SENDER}/transfer-sessions/{tracking}/files/{file_id}/content"], check=True)
            before = rss_mib(server.pid)
            peak = [before]
            done = threading.Event()

            def sample():
                while not done.is_set():
                    peak[0] = max(peak[0], rss_mib(server.pid))
                    time.sleep(0.01)
            sampler = threading.Thread(target=sample)
            sampler.start()
            requests.post(f"{base}/api/users/{SENDER}/transfer-sessions/{tracking}", headers=h).raise_for_status()
            pattern = re.compile(rf"duration\.ms=(\d+).*tracking\.id={tracking}|tracking\.id={tracking}.*duration\.ms=(\d+)")
            ms = None
            for _ in range(6000):
                with open(log_path, errors="replace") as f:
                    for line in f:
                        if "archive.archived" in line and tracking in line:
                            m = pattern.search(line)
                            ms = int(m.group(1) or m.group(2)) if m else None
                if ms is not None:
                    break
                time.sleep(0.05)
            done.set()
            sampler.join()
            if ms is None:
                sys.exit("the copy was not archived within 300 s; server log: " + log_path)
            archived = os.path.join(target, tracking, "payload.bin")
            if sha256(archived) != digest:
                sys.exit(f"run {i}: the archived file differs from the sent one")
            seal.append(size / (ms / 1000) / 1e6)
            peaks.append(peak[0])
            shutil.rmtree(os.path.join(target, tracking), ignore_errors=True)
    finally:
        server.terminate()
        server.wait()
        log.close()
        shutil.rmtree(target, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)

    def fmt(xs):
        return f"{statistics.median(xs):,.0f} ({min(xs):,.0f}–{max(xs):,.0f})"

    print(f"| client → sshd (SFTP, loopback, {args.size_mib} MiB) | MB/s, median (min–max), {args.runs} runs | peak RSS MiB |")
    print("|---|---|---|")
    print(f"| OpenSSH sftp `put` (reference) | {fmt(ref)} | – |")
    print(f"| Sealdrop archive copy (decrypt + SFTP) | {fmt(seal)} | {max(peaks):.0f} (idle {idle:.0f}) |")
    print(f"\nSealdrop/sftp: {statistics.median(seal) / statistics.median(ref):.2f}×; every archived copy's SHA-256 equal to the sent file's")


if __name__ == "__main__":
    main()
