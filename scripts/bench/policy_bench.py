#!/usr/bin/env python3
"""Policy evaluation cost: one transfer, 200 rules, 20 recipients, with directory selections answered by the real
OpenLDAP peer; cold (every directory answer fetched) and warm (cached); and the request rate of
`POST /api/users/{x}/transfer-policy` beside `GET /api/clients` in the same wrk run (runs alternating).

Usage (slapd's LDAP_* variables must be in the environment):
  source scripts/peers/slapd.sh && slapd_peer_start
  scripts/bench/policy_bench.py [--runs 5] [--bin .build/release/sealdrop] [--wrk-seconds 10]

The 200 rules: 180 with recipient patterns that never match (a domain and a regular expression each), 19 with
distinct directory selections on the recipient side (group:staff, group:engineering and 17 filters), and last
"internal", which allows example.org. Each recipient is therefore checked against every rule, and a cold
evaluation asks the directory 19 times per recipient. Cold runs use 20 recipients not asked before.
Prints Markdown: latency per evaluation (median, min–max) and wrk rates.
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
H = {"X-CS-MajorApiVersion": "1", "X-CS-MinimumMinorApiVersion": "13"}
SENDER = "alice@example.org"

sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
from conftest import free_port  # noqa: E402


def rules():
    base = os.environ["LDAP_BASE_DN"]
    out = [{"name": f"partner {i}", "recipient": {"patterns": [f"partner{i}.example", f"/^x{i}-[a-z]+@partner\\.example$/"]}}
           for i in range(180)]
    selections = [f"group:cn=staff,ou=groups,{base}", f"group:cn=engineering,ou=groups,{base}"]
    selections += [f"filter:(employeeNumber={k})" for k in range(17)]
    out += [{"name": f"directory {i}", "recipient": {"ldap": [s]}} for i, s in enumerate(selections)]
    out.append({"name": "internal", "recipient": {"patterns": ["example.org"]}})
    assert len(out) == 200
    return out


def directory():
    e = os.environ
    return {"enabled": True, "type": "openLDAP", "urls": [f"ldap://{e['LDAP_HOST']}:{e['LDAP_PORT']}"], "bindDN": e["LDAP_BIND_DN"],
            "bindPassword": e["LDAP_BIND_PASSWORD"], "baseDN": e["LDAP_BASE_DN"], "groupMembership": "memberOf", "cacheSeconds": 3600}


def wait_http(url):
    for _ in range(300):
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server did not answer at {url}")


def wrk(url, headers, seconds, lua=None):
    cmd = ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    if lua:
        cmd += ["-s", lua]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    rps, errors = float("nan"), 0
    for line in out.splitlines():
        s = line.strip()
        if s.startswith("Requests/sec:"):
            rps = float(s.split()[1])
        elif s.startswith("Non-2xx or 3xx responses:"):
            errors += int(s.split(":")[1])
        elif s.startswith("Socket errors:"):
            errors += sum(int(p.split()[1]) for p in s.split(":", 1)[1].split(","))
    return rps, errors, shlex.join(cmd)


def spread(values, fmt="{:.1f}"):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "sealdrop"))
    ap.add_argument("--wrk-seconds", type=int, default=10)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="sealdrop-policy-bench-")
    port, admin = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SEALDROP_DATA_DIR=os.path.join(work, "data"), SEALDROP_USER_HTTP=f"127.0.0.1:{port}",
               SEALDROP_USER_HTTPS="off", SEALDROP_ADMIN_HTTPS="off", SEALDROP_ADMIN_HTTP=f"127.0.0.1:{admin}",
               SEALDROP_BASE_URL=base, SEALDROP_LOG_LEVEL="warning", SEALDROP_TRUST_CA=os.environ["LDAP_CA_FILE"])
    config = os.path.join(work, "config.json")
    with open(config, "w") as f:
        json.dump({"settings": {"policyRules": {"rules": rules()}, "directory": directory()}}, f)
    server = subprocess.Popen([args.bin, "serve", "--config", config], env=env)
    try:
        wait_http(base + "/api/status")
        cred = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "verify-sender.py"), base, os.path.join(work, "data", "mail"), SENDER],
                              capture_output=True, text=True, check=True).stdout
        vals = dict(line.split("=", 1) for line in cred.split())
        h = dict(H, **{"X-CS-ClientId": vals["SD_CLIENT_ID"], "X-CS-VerificationToken": vals["SD_TOKEN"]})
        url = f"{base}/api/users/{SENDER}/transfer-policy"

        def evaluate(recipients):
            start = time.perf_counter()
            r = requests.post(url, headers=h, json={"recipients": recipients}, timeout=120)
            elapsed = (time.perf_counter() - start) * 1000
            body = r.json()
            assert r.status_code == 200 and not body["data"].get("failedRecipients"), r.text[:500]
            return elapsed

        cold, warm = [], []
        for run in range(args.runs):
            recipients = [f"user{run * 20 + i + 1:04d}@example.org" for i in range(20)]
            cold.append(evaluate(recipients))
            warm.append(min(evaluate(recipients) for _ in range(5)))
        body = json.dumps({"recipients": [f"user{i + 1:04d}@example.org" for i in range(20)]})
        lua = os.path.join(work, "policy.lua")
        with open(lua, "w") as f:
            f.write('wrk.method = "POST"\nwrk.body = \'%s\'\nwrk.headers["Content-Type"] = "application/json"\n' % body)
        clients_rps, policy_rps, commands, errors = [], [], [], 0
        for _ in range(3):
            rps, err, cmd = wrk(f"{base}/api/clients", H, args.wrk_seconds)
            clients_rps.append(rps)
            errors += err
            rps, err, cmd2 = wrk(url, h, args.wrk_seconds, lua)
            policy_rps.append(rps)
            errors += err
            commands = [cmd, cmd2]
        print(f"| evaluation (200 rules, 20 recipients, 19 directory selections each) | ms per request, median (min–max), {args.runs} runs |")
        print("|---|---|")
        print(f"| cold: 380 directory answers fetched | {spread(cold)} |")
        print(f"| warm: every answer cached (best of 5 per run) | {spread(warm)} |")
        print()
        print("| wrk, -t2 -c64, 3 alternating runs | requests/s, median (min–max) |")
        print("|---|---|")
        print(f"| GET /api/clients | {spread(clients_rps, '{:,.0f}')} |")
        print(f"| POST /api/users/{{x}}/transfer-policy (warm, 20 recipients) | {spread(policy_rps, '{:,.0f}')} |")
        print(f"\nerrors: {errors}; commands: {commands[0]} ; {commands[1]}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
