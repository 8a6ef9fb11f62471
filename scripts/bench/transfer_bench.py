#!/usr/bin/env python3
"""Upload and download throughput of one large file over loopback HTTP, Sealdrop beside nginx, same run.

Usage: scripts/bench/transfer_bench.py [--size-mib 1024] [--runs 3] [--bin .build/release/sealdrop]

Sealdrop: REST content PUT (SHA-256 + AES-256-GCM segments to disk) and file GET (decrypt from disk).
nginx: WebDAV PUT of the same file into a file, and GET with sendfile. Clients are curl in both cases.
Prints a Markdown table with median (min–max) MB/s and the server's peak RSS (VmHWM) per phase.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
H = {"X-CS-MajorApiVersion": "1", "X-CS-MinimumMinorApiVersion": "13"}
SENDER = "bench@example.org"
PASSWORD = "B3nch!Mark#2026"


sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
from conftest import free_port  # noqa: E402  (Tests/e2e/conftest.py: never the same port twice in one process)


def wait_http(url):
    for _ in range(600):
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def start_nginx(work, port):
    conf = os.path.join(work, "nginx.conf")
    # nginx workers drop to an unprivileged user when started as root: let them read and write here.
    os.chmod(work, 0o755)
    for sub in ("www", "www/up", "body"):
        os.makedirs(os.path.join(work, sub), exist_ok=True)
        os.chmod(os.path.join(work, sub), 0o777)
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1; pid {work}/nginx.pid; error_log {work}/error.log;
events {{ worker_connections 64; }}
http {{ access_log off; sendfile on; client_max_body_size 0;
  client_body_temp_path {work}/body; proxy_temp_path {work}/proxy; fastcgi_temp_path {work}/fcgi;
  uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
  server {{ listen 127.0.0.1:{port}; root {work}/www; location /up/ {{ dav_methods PUT; create_full_put_path on; }} }} }}
""")
    proc = subprocess.Popen(["nginx", "-e", f"{work}/error.log", "-c", conf, "-p", work, "-g", "daemon off;"])
    wait_http(f"http://127.0.0.1:{port}/")
    return proc


def nginx_master_worker_pids(proc):
    out = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "sealdrop"))
    args = ap.parse_args()
    size = args.size_mib * 1024 * 1024
    work = tempfile.mkdtemp(prefix="sealdrop-bench-")
    src = os.path.join(work, "payload.bin")
    with open(src, "wb") as f:
        block = os.urandom(1024 * 1024)
        for _ in range(args.size_mib):
            f.write(block)
    os.chmod(src, 0o644)
    results = {}

    # --- nginx reference
    nport = free_port()
    nginx = start_nginx(work, nport)
    up, down = [], []
    try:
        for _ in range(args.runs):
            up.append(size / timed(["curl", "-s", "-f", "-T", src, f"http://127.0.0.1:{nport}/up/payload.bin"]) / 1e6)
            down.append(size / timed(["curl", "-s", "-f", "-o", "/dev/null", f"http://127.0.0.1:{nport}/up/payload.bin"]) / 1e6)
        rss = max(peak_rss_mib(p) for p in nginx_master_worker_pids(nginx))
    finally:
        nginx.terminate()
        nginx.wait()
    results["nginx"] = (up, down, rss, rss)

    # --- Sealdrop
    port, admin = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SEALDROP_DATA_DIR=os.path.join(work, "data"), SEALDROP_USER_HTTP=f"127.0.0.1:{port}",
               SEALDROP_USER_HTTPS="off", SEALDROP_ADMIN_HTTPS="off", SEALDROP_ADMIN_HTTP=f"127.0.0.1:{admin}",
               SEALDROP_BASE_URL=base, SEALDROP_LOG_LEVEL="warning", **({"SEALDROP_MALLOC_TUNING": os.environ["BENCH_MALLOC_TUNING"]} if "BENCH_MALLOC_TUNING" in os.environ else {}))
    config = os.path.join(work, "config.json")
    with open(config, "w") as f:
        json.dump({"settings": {"policy": {"maxTotalSize": 64 * 1024 ** 3}}}, f)
    server = subprocess.Popen([args.bin, "serve", "--config", config], env=env)
    try:
        wait_http(base + "/api/status")
        cred = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "verify-sender.py"), base,
                               os.path.join(work, "data", "mail"), SENDER], capture_output=True, text=True, check=True).stdout
        vals = dict(line.split("=", 1) for line in cred.split())
        h = dict(H, **{"X-CS-ClientId": vals["SD_CLIENT_ID"], "X-CS-VerificationToken": vals["SD_TOKEN"]})
        curl_h = sum((["-H", f"{k}: {v}"] for k, v in h.items()), [])
        up, down = [], []
        transfer_file = None
        for i in range(args.runs):
            r = requests.post(f"{base}/api/users/{SENDER}/transfer-sessions", headers=h,
                              json={"recipients": {"to": [{"mail": "bench-recipient@example.net"}]}})
            tracking = r.headers["Location"].rsplit("/", 1)[1]
            requests.patch(f"{base}/api/users/{SENDER}/transfer-sessions/{tracking}", headers=h,
                           json={"securityMode": {"name": "ONE_TIME_PASSWORD", "config": {"passwordMode": "MANUAL", "password": PASSWORD}}}).raise_for_status()
            r = requests.post(f"{base}/api/users/{SENDER}/transfer-sessions/{tracking}/files", headers=h, json={"fileName": "payload.bin", "size": size})
            file_id = r.json()["data"]["fileId"]
            url = f"{base}/api/users/{SENDER}/transfer-sessions/{tracking}/files/{file_id}/content"
            up.append(size / timed(["curl", "-s", "-f", "-T", src, *curl_h, url]) / 1e6)
            if transfer_file is None:
                requests.post(f"{base}/api/users/{SENDER}/transfer-sessions/{tracking}", headers=h).raise_for_status()
                status = requests.get(f"{base}/api/users/{SENDER}/transfers/{tracking}", headers=h).json()["data"]["status"]
                transfer_file = (status["recipients"][0]["id"], file_id)
        rss_up = peak_rss_mib(server.pid)
        tid, fid = transfer_file
        for _ in range(args.runs):
            down.append(size / timed(["curl", "-s", "-f", "-o", "/dev/null", *curl_h, "-H", f"X-CS-Password: {PASSWORD}",
                                      f"{base}/api/transfers/{tid}/files/{fid}"]) / 1e6)
        rss_all = peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait()
    results["sealdrop"] = (up, down, rss_up, rss_all)
    shutil.rmtree(work, ignore_errors=True)

    def fmt(xs):
        return f"{statistics.median(xs):,.0f} ({min(xs):,.0f}–{max(xs):,.0f})"

    print(f"| server | upload MB/s, median (min–max) | download MB/s, median (min–max) | peak RSS MiB after uploads | after downloads |")
    print("|---|---|---|---|---|")
    for name, (u, d, r1, r2) in results.items():
        print(f"| {name} | {fmt(u)} | {fmt(d)} | {r1:.0f} | {r2:.0f} |")
    su, sd = statistics.median(results["sealdrop"][0]), statistics.median(results["sealdrop"][1])
    nu, nd = statistics.median(results["nginx"][0]), statistics.median(results["nginx"][1])
    print(f"\nSealdrop/nginx: upload {su / nu:.2f}×, download {sd / nd:.2f}× "
          f"({args.size_mib} MiB file, {args.runs} runs each, curl client, loopback HTTP)")


if __name__ == "__main__":
    main()
