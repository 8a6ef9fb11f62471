#!/usr/bin/env python3
"""Backup figures (issue 15): `sealdrop backup create` of a data dir holding 10 GiB of blobs, and the upload throughput
of clients while it runs beside the same uploads without a backup.

Usage:
  scripts/bench/backup_bench.py [--gib 10] [--clients 4] [--upload-mib 256] [--runs 3] [--bin .build/release/sealdrop]

The 10 GiB are real: transfers of 256 MiB uploaded through the REST API and finalized, so the blobs are encrypted
exactly as in production (no shortcut). Each run measures, one after the other on the same data dir:
  1. backup alone: `backup create` wall time (hard links + SHA-256 of every blob + database snapshot + fsyncs);
  2. uploads alone: CLIENTS parallel `curl -T` of UPLOAD-MIB each, aggregate MB/s over the wall time;
  3. both at once: the same uploads started with `backup create`; both figures again.
Between runs the backups are deleted and the measurement uploads' sessions deleted, so every run sees the same data
dir. Prints Markdown: median (min–max) of the runs. Needs curl, python3 + requests, GIB + 2 GiB free disk.
"""
import argparse
import json
import os
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
MiB = 1024 * 1024

sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
from conftest import free_port  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transfer_bench import wait_http  # noqa: E402


class Sealdrop:
    """A release server on loopback with a verified sender."""

    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        port, admin = free_port(), free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.env = dict(os.environ, SEALDROP_DATA_DIR=os.path.join(work, "data"), SEALDROP_USER_HTTP=f"127.0.0.1:{port}",
                        SEALDROP_USER_HTTPS="off", SEALDROP_ADMIN_HTTPS="off", SEALDROP_ADMIN_HTTP=f"127.0.0.1:{admin}",
                        SEALDROP_BASE_URL=self.base, SEALDROP_LOG_LEVEL="warning")
        self.config = os.path.join(work, "config.json")
        with open(self.config, "w") as f:
            json.dump({"settings": {"policy": {"maxTotalSize": 64 * 1024 ** 3}}}, f)
        self.log = open(os.path.join(work, "server.log"), "wb")
        self.proc = subprocess.Popen([binary, "serve", "--config", self.config], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_http(self.base + "/api/status")
        cred = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "verify-sender.py"), self.base,
                               os.path.join(work, "data", "mail"), SENDER], capture_output=True, text=True, check=True).stdout
        vals = dict(line.split("=", 1) for line in cred.split())
        self.h = dict(H, **{"X-CS-ClientId": vals["SD_CLIENT_ID"], "X-CS-VerificationToken": vals["SD_TOKEN"]})

    def session(self, size):
        """A session with one registered file of `size`; returns (tracking id, content URL)."""
        r = requests.post(f"{self.base}/api/users/{SENDER}/transfer-sessions", headers=self.h,
                          json={"recipients": {"to": [{"mail": "bench-recipient@example.net"}]}})
        r.raise_for_status()
        tracking = r.headers["Location"].rsplit("/", 1)[1]
        requests.patch(f"{self.base}/api/users/{SENDER}/transfer-sessions/{tracking}", headers=self.h,
                       json={"securityMode": {"name": "ONE_TIME_PASSWORD",
                                              "config": {"passwordMode": "MANUAL", "password": PASSWORD}}}).raise_for_status()
        r = requests.post(f"{self.base}/api/users/{SENDER}/transfer-sessions/{tracking}/files", headers=self.h,
                          json={"fileName": "payload.bin", "size": size})
        r.raise_for_status()
        return tracking, f"{self.base}/api/users/{SENDER}/transfer-sessions/{tracking}/files/{r.json()['data']['fileId']}/content"

    def put(self, url, path):
        curl_h = sum((["-H", f"{k}: {v}"] for k, v in self.h.items()), [])
        subprocess.run(["curl", "-s", "-f", "-o", "/dev/null", "-T", path, *curl_h, url], check=True)

    def finalize(self, tracking):
        requests.post(f"{self.base}/api/users/{SENDER}/transfer-sessions/{tracking}", headers=self.h, timeout=600).raise_for_status()

    def delete(self, tracking):
        requests.delete(f"{self.base}/api/users/{SENDER}/transfer-sessions/{tracking}", headers=self.h, timeout=600)

    def backup(self, directory):
        began = time.monotonic()
        r = subprocess.run([self.binary, "backup", "create", "--to", directory, "--config", self.config], env=self.env,
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("backup create failed: " + r.stderr)
        return time.monotonic() - began, r.stdout.splitlines()[0]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()


def uploads(server, clients, payload, size):
    """CLIENTS parallel uploads of `payload`; returns (aggregate MB/s, tracking ids)."""
    sessions = [server.session(size) for _ in range(clients)]
    threads = [threading.Thread(target=server.put, args=(url, payload)) for _, url in sessions]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return clients * size / (time.monotonic() - began) / 1e6, [t for t, _ in sessions]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gib", type=int, default=10)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--upload-mib", type=int, default=256)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "sealdrop"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="sealdrop-backup-bench-")
    free = shutil.disk_usage(work).free
    if free < (args.gib + 2) * 1024 ** 3:
        sys.exit(f"needs {args.gib + 2} GiB free in {work}, has {free / 1024 ** 3:.1f}")
    size = args.upload_mib * MiB
    payload = os.path.join(work, "payload.bin")
    with open(payload, "wb") as f:
        for _ in range(args.upload_mib):
            f.write(os.urandom(MiB))
    backups = os.path.join(work, "backups")
    server = Sealdrop(args.bin, work)
    alone, base_mbs, both_time, both_mbs = [], [], [], []
    summary = ""
    try:
        began = time.monotonic()
        fill = (args.gib * 1024) // args.upload_mib
        for _ in range(fill):
            tracking, url = server.session(size)
            server.put(url, payload)
            server.finalize(tracking)
        print(f"<!-- filled {fill} transfers of {args.upload_mib} MiB in {time.monotonic() - began:.0f}s -->", flush=True)
        for _ in range(args.runs):
            seconds, summary = server.backup(backups)
            alone.append(seconds)
            shutil.rmtree(backups)
            mbs, made = uploads(server, args.clients, payload, size)
            base_mbs.append(mbs)
            for t in made:
                server.delete(t)
            result = {}
            runner = threading.Thread(target=lambda: result.update(backup=server.backup(backups)))
            runner.start()
            mbs, made = uploads(server, args.clients, payload, size)
            runner.join()
            both_time.append(result["backup"][0])
            both_mbs.append(mbs)
            shutil.rmtree(backups)
            for t in made:
                server.delete(t)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    def fmt(xs, unit=""):
        return f"{statistics.median(xs):,.1f}{unit} ({min(xs):,.1f}–{max(xs):,.1f})"

    print(f"Data dir: {args.gib} GiB of blobs ({summary}); {args.clients} clients × {args.upload_mib} MiB uploads; {args.runs} runs, median (min–max).\n")
    print("| | backup time s | upload MB/s (aggregate) |")
    print("|---|---|---|")
    print(f"| backup alone | {fmt(alone)} | – |")
    print(f"| uploads alone | – | {fmt(base_mbs)} |")
    print(f"| backup + uploads at once | {fmt(both_time)} | {fmt(both_mbs)} |")
    print(f"\nUploads during a backup: {statistics.median(both_mbs) / statistics.median(base_mbs):.2f}× their throughput without one.")


if __name__ == "__main__":
    main()
