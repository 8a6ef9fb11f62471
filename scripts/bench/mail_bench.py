#!/usr/bin/env python3
"""1,000 notifications through a real aiosmtpd relay: Sealdrop's outbox beside Python's smtplib, same run.

Usage: scripts/bench/mail_bench.py [--count 1000] [--runs 3] [--bin .build/release/sealdrop]

Sealdrop: two transfers of count/2 recipients each are finalized back to back (500 is the per-transfer
limit); the clock runs from the first finalize until the relay holds every recipient notification and
both upload summaries. Memory: the server's RSS sampled every 50 ms, before, during and after each run,
so growth from run to run shows. Reference: the very same messages (read back from the relay) sent by
smtplib with the same parallelism (4 threads, one connection per message, like the outbox) to a second,
fresh relay of the same kind. Both relays are scripts/peers/smtp_server.py in plain mode (Maildir).
Prints a Markdown table.
"""
import argparse
import concurrent.futures
import email
import email.policy
import json
import os
import re
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
H = {"X-CS-MajorApiVersion": "1", "X-CS-MinimumMinorApiVersion": "13"}
SENDER = "mailbench@example.org"
PASSWORD = "B3nch!Mark#2026"


sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
from conftest import free_port  # noqa: E402  (Tests/e2e/conftest.py: never the same port twice in one process)


def start_relay(workdir, name):
    port = free_port()
    maildir = os.path.join(workdir, name)
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/peers/smtp_server.py"), "--mode", "plain",
                             "--port", str(port), "--maildir", maildir, "--size", str(50 * 1024 * 1024)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, port, maildir
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("relay did not start")


def count(maildir):
    try:
        return len(os.listdir(os.path.join(maildir, "new")))
    except FileNotFoundError:
        return 0


def messages(maildir):
    """(envelope recipient, message bytes without the relay's X- lines) of every stored message."""
    out = []
    folder = os.path.join(maildir, "new")
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), "rb") as f:
            raw = f.read()
        head, rest = raw.split(b"X-MailOptions:", 1)
        rcpt = re.search(rb"X-RcptTo: (\S+)", head).group(1).decode()
        out.append((rcpt, rest.split(b"\r\n", 1)[1]))
    return out


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Sampler(threading.Thread):
    """Samples a process's RSS every 50 ms until stopped; keeps the peak."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.join()
        return self.peak


def api(base, client_id, token=None):
    s = requests.Session()
    s.headers.update(H)
    s.headers["X-CS-ClientId"] = client_id
    if token:
        s.headers["X-CS-VerificationToken"] = token
    return s


def verify(base, maildir):
    client_id = requests.get(base + "/api/clients", headers=H).json()["data"]["clientId"]
    s = api(base, client_id)
    before = count(maildir)
    assert s.post(f"{base}/api/users/{SENDER}/verification/code/email").status_code == 200
    while count(maildir) <= before:
        time.sleep(0.05)
    mail = next(email.message_from_bytes(m, policy=email.policy.default) for rcpt, m in messages(maildir) if rcpt == SENDER)
    code = re.search(r"\b([A-Z0-9]{10})\b", mail.get_body(preferencelist=("plain",)).get_content()).group(1)
    r = s.post(f"{base}/api/users/{SENDER}/verification/token", json={"verificationCode": code})
    assert r.status_code == 200, r.text
    return api(base, client_id, r.json()["data"]["token"])


def prepare(s, base, recipients):
    """An uploaded session to `recipients`, ready to finalize; returns its tracking id."""
    r = s.post(f"{base}/api/users/{SENDER}/transfer-sessions",
               json={"sender": {"name": "Mail Bench", "phone": "", "email": SENDER},
                     "recipients": {"to": [{"mail": a} for a in recipients], "cc": [], "bcc": []}})
    assert r.status_code == 201, r.text
    tracking = r.headers["Location"].rsplit("/", 1)[1]
    r = s.patch(f"{base}/api/users/{SENDER}/transfer-sessions/{tracking}",
                json={"securityMode": {"name": "ONE_TIME_PASSWORD", "config": {"passwordMode": "MANUAL", "password": PASSWORD}},
                      "notificationMessage": {"subject": "Benchmark", "body": "One of many notifications."}})
    assert r.status_code == 200, r.text
    r = s.post(f"{base}/api/users/{SENDER}/transfer-sessions/{tracking}/files", json={"fileName": "report.pdf", "size": 5})
    file_id = r.headers["Location"].rsplit("/", 1)[1]
    assert s.put(f"{base}/api/users/{SENDER}/transfer-sessions/{tracking}/files/{file_id}/content", data=b"hello").status_code == 200
    return tracking


def sealdrop_run(s, base, relay_dir, pid, run, n):
    half = n // 2
    sessions = [prepare(s, base, [f"r{run}-{k}-{i}@example.net" for i in range(half)]) for k in range(2)]
    before = count(relay_dir)
    rss_before = rss_kib(pid)
    sampler = Sampler(pid)
    sampler.start()
    start = time.perf_counter()
    for tracking in sessions:
        assert s.post(f"{base}/api/users/{SENDER}/transfer-sessions/{tracking}").status_code == 201
    finalized = time.perf_counter() - start
    target = before + 2 * half + 2
    while count(relay_dir) < target:
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    peak = sampler.stop()
    return {"rate": (2 * half + 2) / elapsed, "seconds": elapsed, "finalize": finalized,
            "rss_before": rss_before, "rss_peak": peak, "rss_after": rss_kib(pid)}


def reference_run(msgs, port, relay_dir):
    before = count(relay_dir)

    def send(item):
        rcpt, body = item
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.ehlo("bench.example")
            smtp.sendmail("sealdrop@example.org", [rcpt], body)

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(send, msgs))
    while count(relay_dir) < before + len(msgs):
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    return {"rate": len(msgs) / elapsed, "seconds": elapsed}


def fmt(values):
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}–{max(values):,.0f})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/release/sealdrop"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="sealdrop-mailbench-")
    relay, relay_port, relay_dir = start_relay(work, "relay-sealdrop")
    ref_relay, ref_port, ref_dir = start_relay(work, "relay-reference")
    http = free_port()
    base = f"http://127.0.0.1:{http}"
    config = os.path.join(work, "config.json")
    with open(config, "w") as f:
        json.dump({"passwordWrap": {"logN": 10, "r": 8, "p": 1}, "insecureTestingCosts": true}, f)
    env = dict(os.environ, SEALDROP_DATA_DIR=os.path.join(work, "data"), SEALDROP_USER_HTTP=f"127.0.0.1:{http}",
               SEALDROP_USER_HTTPS="off", SEALDROP_ADMIN_HTTPS="off", SEALDROP_ADMIN_HTTP="off", SEALDROP_BASE_URL=base,
               SEALDROP_SMTP_URL=f"smtp://127.0.0.1:{relay_port}", SEALDROP_MAIL_FROM="sealdrop@example.org", SEALDROP_LOG_LEVEL="warning")
    server = subprocess.Popen([args.bin, "serve", "--config", config], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                requests.get(base + "/api/status", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        s = verify(base, relay_dir)
        ours, ref = [], []
        for run in range(args.runs):
            ours.append(sealdrop_run(s, base, relay_dir, server.pid, run, args.count))
            notifications = [m for m in messages(relay_dir) if m[0].startswith(f"r{run}-") or m[0] == SENDER][-(args.count + 2):]
            ref.append(reference_run(notifications, ref_port, ref_dir))
            print(f"run {run + 1}: sealdrop {ours[-1]['rate']:.0f} msg/s ({ours[-1]['seconds']:.2f} s, finalize {ours[-1]['finalize']:.2f} s), "
                  f"smtplib {ref[-1]['rate']:.0f} msg/s; RSS MiB before {ours[-1]['rss_before'] / 1024:.0f}, "
                  f"peak {ours[-1]['rss_peak'] / 1024:.0f}, after {ours[-1]['rss_after'] / 1024:.0f}", file=sys.stderr)
        n = args.count + 2
        print(f"\n{n} messages per run ({args.count} recipient notifications + 2 upload summaries), {args.runs} runs, loopback, "
              f"relay: aiosmtpd (scripts/peers/smtp_server.py, plain, Maildir)\n")
        print("| sender | messages/s, median (min–max) | seconds per run, median | server RSS MiB before → peak → after, per run |")
        print("|---|---|---|---|")
        print(f"| smtplib, 4 threads, a connection per message | {fmt([r['rate'] for r in ref])} | "
              f"{statistics.median([r['seconds'] for r in ref]):.2f} | – |")
        rss = ", ".join(f"{r['rss_before'] / 1024:.0f} → {r['rss_peak'] / 1024:.0f} → {r['rss_after'] / 1024:.0f}" for r in ours)
        print(f"| Sealdrop outbox (finalize → relay has all) | {fmt([r['rate'] for r in ours])} | "
              f"{statistics.median([r['seconds'] for r in ours]):.2f} | {rss} |")
        print(f"\nSealdrop/smtplib: {statistics.median([r['rate'] for r in ours]) / statistics.median([r['rate'] for r in ref]):.2f}×; "
              f"finalize of 2 × {args.count // 2} recipients (mail rendered and queued): median "
              f"{statistics.median([r['finalize'] for r in ours]):.2f} s")
    finally:
        server.terminate()
        server.wait()
        for p in (relay, ref_relay):
            p.terminate()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
