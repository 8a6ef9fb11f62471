"""Plumbing for the fault drills: a killable real server, an SMTP relay, small file systems, clean-up.

Everything a drill starts is registered with a `Resources` stack and torn down in reverse order, also when the
drill fails or the run is interrupted (SIGINT/SIGTERM). The server process is the one `Tests/e2e` uses
(`conftest.Server`: free loopback ports, its own data dir, `capture:` mail, JSON config with `settings`); this
module only adds a kill -9, a sturdier readiness wait, extra config keys and the helpers the drills share.
"""
import email
import email.policy
import hashlib
import json
import mailbox
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import string
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))

import requests  # noqa: E402

from client import Client  # noqa: E402  (Tests/e2e/client.py)
from conftest import Server as E2EServer, free_port  # noqa: E402  (Tests/e2e/conftest.py)

MiB = 1024 * 1024
API_HEADERS = {"X-CS-MajorApiVersion": "1", "X-CS-MinimumMinorApiVersion": "10", "X-CS-ProductKey": "api.rest"}


def server_binary():
    """SEALDROP_BIN (relative to the current directory) or `.build/debug/sealdrop` in the repository."""
    given = os.environ.get("SEALDROP_BIN")
    return os.path.abspath(given) if given else os.path.join(ROOT, ".build", "debug", "sealdrop")


class DrillError(Exception):
    """A step of a drill could not be carried out; the drill fails with this message."""


def wait_until(predicate, timeout, interval=0.05):
    """Polls until `predicate()` is truthy and returns its value, or returns the last falsy value at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


class Resources:
    """A stack of clean-up actions, run in reverse order; each action runs once and its errors are reported, not raised."""

    def __init__(self):
        self.actions = []
        self.lock = threading.Lock()

    def push(self, description, action):
        with self.lock:
            self.actions.append((description, action))

    def close(self):
        problems = []
        while True:
            with self.lock:
                if not self.actions:
                    break
                description, action = self.actions.pop()
            try:
                action()
            except Exception as error:  # clean-up must go on
                problems.append(f"{description}: {error}")
        return problems


class FaultServer(E2EServer):
    """`conftest.Server` plus kill -9, extra top-level config keys, env overrides and a data dir that may be a mount."""

    def __init__(self, resources, settings=None, config=None, env=None, keep=False):
        super().__init__(settings=settings)
        self.binary = server_binary()
        full = {"settings": settings or {}}
        full.update(config or {})
        with open(self.config, "w") as f:
            json.dump(full, f)
        self.env.update(env or {})
        self.starts = []
        self.keep = keep
        resources.push(f"server in {self.dir}", self.cleanup)

    def start(self, timeout=120):
        """Starts the process and waits (generously; a debug build under load is slow) until /api/status answers 200."""
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        began = time.monotonic()
        self.proc = subprocess.Popen([self.binary, "serve", "--config", self.config], env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = began + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DrillError(f"server exited with {self.proc.returncode} while starting: {self.log_tail(5)}")
            try:
                if requests.get(self.base + "/api/status", timeout=5).status_code == 200:
                    self.starts.append(time.monotonic() - began)
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        raise DrillError(f"server did not answer /api/status within {timeout}s")

    def kill9(self):
        """SIGKILL, no chance to clean up; waits until the process is gone."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=60)

    def stop(self, sig_kill=False):
        if self.proc and self.proc.poll() is None:
            if sig_kill:
                self.kill9()
                return
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill9()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cleanup(self):
        try:
            self.stop()
        finally:
            if self.log:
                self.log.close()
            if not self.keep:
                shutil.rmtree(self.dir, ignore_errors=True)

    log = None

    def log_tail(self, lines=15):
        try:
            return " | ".join(self.read_log().strip().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def log_count(self, needle):
        return self.read_log().count(needle)

    def store_files(self, sub=""):
        """Every file below data/store (or a sub-folder such as `tmp` or `blobs`), as paths relative to store/."""
        top = os.path.join(self.data, "store")
        found = []
        for root, _, names in os.walk(os.path.join(top, sub) if sub else top):
            found += [os.path.relpath(os.path.join(root, n), top) for n in names]
        return sorted(found)

    def db_rows(self, sql, args=()):
        """Reads the server's SQLite database (read-only; safe while the server runs)."""
        db = sqlite3.connect(f"file:{os.path.join(self.data, 'sealdrop.sqlite')}?mode=ro", uri=True, timeout=30)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def captured(self, kind=None, to=None):
        """Captured mails (`capture:` transport) as (path, To address), optionally of one kind / to one address."""
        out = []
        for path in self.mails():
            if kind and not path.endswith(f"-{kind}.eml"):
                continue
            with open(path, "rb") as f:
                msg = email.message_from_binary_file(f, policy=email.policy.default)
            addr = msg["To"].addresses[0].addr_spec.lower() if msg["To"] else ""
            if to is None or addr == to.lower():
                out.append((path, addr))
        return out


class Relay:
    """A plain SMTP relay: scripts/peers/smtp_server.py (aiosmtpd) in mode `plain` on a free loopback port."""

    def __init__(self, resources, directory, port=None):
        self.port = port or free_port()
        self.maildir = os.path.join(directory, "relay-maildir")
        self.logpath = os.path.join(directory, "relay.log")
        self.proc = None
        resources.push(f"relay on {self.port}", self.stop)

    def start(self, timeout=30):
        with open(self.logpath, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, os.path.join(ROOT, "scripts", "peers", "smtp_server.py"), "--mode", "plain",
                 "--host", "127.0.0.1", "--port", str(self.port), "--maildir", self.maildir, "--size", str(64 * MiB)],
                stdout=log, stderr=subprocess.STDOUT)
        if not wait_until(self.listening, timeout, 0.05):
            self.stop()
            raise DrillError(f"SMTP relay did not listen on {self.port} within {timeout}s")
        return self

    def listening(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            return True
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def messages(self):
        """Every accepted message as a dict: rcpt (envelope recipients), msgid, subject, msg (parsed)."""
        if not os.path.isdir(os.path.join(self.maildir, "new")):
            return []
        out = []
        for _, raw in mailbox.Maildir(self.maildir, create=False).items():
            msg = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
            out.append({"rcpt": [a.strip().lower() for a in (msg["X-RcptTo"] or "").split(",") if a.strip()],
                        "msgid": str(msg["Message-ID"] or ""), "subject": str(msg["Subject"] or ""), "msg": msg})
        return out

    def count_to(self, address):
        return sum(1 for m in self.messages() if address.lower() in m["rcpt"])

    def msgids_to(self, address):
        return [m["msgid"] for m in self.messages() if address.lower() in m["rcpt"]]


# --------------------------------------------------------------------------------------------------- API helpers


def plain_text(msg):
    """The text of a parsed mail: its text/plain part (or HTML part), whether or not it is multipart."""
    part = msg.get_body(preferencelist=("plain", "html")) or msg
    return part.get_content()


def code_from_text(body):
    found = re.search(r"\b([A-Z0-9]{10})\b", body)
    if not found:
        raise DrillError("no verification code in the mail")
    return found.group(1)


def verify_sender(client, address, read_code):
    """Email verification: requests a code, gets it with `read_code(address)`, redeems it."""
    r = client.post(f"/api/users/{address}/verification/code/email")
    if r.status_code != 200:
        raise DrillError(f"verification code request: {r.status_code} {r.text[:200]}")
    code = read_code(address)
    r = client.post(f"/api/users/{address}/verification/token", json={"verificationCode": code})
    if r.status_code != 200:
        raise DrillError(f"verification token: {r.status_code} {r.text[:200]}")
    client.token = r.json()["data"]["token"]
    return client.token


def capture_code_reader(server):
    """Reads the newest code mailed to an address from the captured mail."""
    def read(address):
        found = wait_until(lambda: server.captured("verification-code", to=address), 30)
        if not found:
            raise DrillError(f"no verification-code mail for {address} captured within 30s")
        with open(found[-1][0], "rb") as f:
            return code_from_text(plain_text(email.message_from_binary_file(f, policy=email.policy.default)))
    return read


def relay_code_reader(relay):
    """Reads the newest code mailed to an address from the relay's Maildir."""
    def read(address):
        found = wait_until(lambda: [m for m in relay.messages() if address.lower() in m["rcpt"]], 30)
        if not found:
            raise DrillError(f"no verification-code mail for {address} reached the relay within 30s")
        return code_from_text(plain_text(found[-1]["msg"]))
    return read


def new_client(base):
    client = Client(base)
    client.obtain_client_id()
    return client


def new_session(client, sender, recipients, password, files):
    """Creates a session with MANUAL password and registers `files` ({name: size}); returns (tracking id, {name: file id})."""
    r = client.post(f"/api/users/{sender}/transfer-sessions",
                    json={"recipients": {"to": [{"mail": a} for a in recipients]}})
    if r.status_code != 201:
        raise DrillError(f"create session: {r.status_code} {r.text[:200]}")
    tracking = r.headers["Location"].rsplit("/", 1)[1]
    r = client.request("PATCH", f"/api/users/{sender}/transfer-sessions/{tracking}",
                       json={"securityMode": {"name": "ONE_TIME_PASSWORD",
                                              "config": {"passwordMode": "MANUAL", "password": password}}})
    if r.status_code != 200:
        raise DrillError(f"set password: {r.status_code} {r.text[:200]}")
    ids = {}
    for name, size in files.items():
        r = client.post(f"/api/users/{sender}/transfer-sessions/{tracking}/files", json={"fileName": name, "size": size})
        if r.status_code != 201:
            raise DrillError(f"register file: {r.status_code} {r.text[:200]}")
        ids[name] = r.json()["data"]["fileId"]
    return tracking, ids


def upload(client, sender, tracking, file_id, data, timeout=300):
    return client.request("PUT", f"/api/users/{sender}/transfer-sessions/{tracking}/files/{file_id}/content",
                          data=data, timeout=timeout)


def finalize(client, sender, tracking, timeout=120):
    return client.post(f"/api/users/{sender}/transfer-sessions/{tracking}", timeout=timeout)


def file_states(client, sender, tracking):
    r = client.get(f"/api/users/{sender}/transfer-sessions/{tracking}")
    if r.status_code != 200:
        raise DrillError(f"read session: {r.status_code} {r.text[:200]}")
    return {f["fileName"]: f["state"] for f in r.json()["data"]["files"]}


def transfer_ids(client, sender, tracking):
    """{recipient address: transfer id} of a finalized transfer."""
    r = client.get(f"/api/users/{sender}/transfers/{tracking}")
    if r.status_code != 200:
        raise DrillError(f"read transfer: {r.status_code} {r.text[:200]}")
    return {x["mail"].lower(): x["id"] for x in r.json()["data"]["status"]["recipients"]}


def download_all(base, transfer_id, password):
    """Downloads every file of a transfer as a recipient; returns {file name: sha256 hex}."""
    recipient = new_client(base)
    pw = {"X-CS-Password": password}
    r = recipient.get(f"/api/transfers/{transfer_id}/files", headers=pw)
    if r.status_code != 200:
        raise DrillError(f"list files as recipient: {r.status_code} {r.text[:200]}")
    out = {}
    for f in r.json()["data"]:
        r = recipient.get(f"/api/transfers/{transfer_id}/files/{f['id']}", headers=pw, stream=True)
        if r.status_code != 200:
            raise DrillError(f"download {f['fileName']}: {r.status_code}")
        h = hashlib.sha256()
        for chunk in r.iter_content(MiB):
            h.update(chunk)
        out[f["fileName"]] = h.hexdigest()
    return out


def error_of(response):
    """(status, errorCode) of a response; errorCode None when the body is not the API error shape."""
    try:
        return response.status_code, response.json().get("errorCode")
    except ValueError:
        return response.status_code, None


def random_client_id(rng=random):
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(64))


# --------------------------------------------------------------------------------------------------- latency


def percentile(samples, p):
    """Nearest-rank percentile of a list of numbers (0 for an empty list)."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, int(round(p / 100.0 * len(ordered) + 0.5)) - 1))
    return ordered[k]


class Prober:
    """A normal client: sequential GET /api/status and GET /api/clients on one keep-alive session, timed."""

    PATHS = ("/api/status", "/api/clients")

    def __init__(self, base):
        self.base = base
        self.session = requests.Session()
        self.latencies = []
        self.times = []
        self.failures = []
        self.i = 0

    def once(self):
        path = self.PATHS[self.i % len(self.PATHS)]
        self.i += 1
        at = time.monotonic()
        began = time.perf_counter()
        try:
            r = self.session.get(self.base + path, headers=API_HEADERS, timeout=60)
            elapsed = time.perf_counter() - began
            if r.status_code != 200:
                self.failures.append(f"{path}: {r.status_code}")
            self.latencies.append(elapsed)
            self.times.append(at)
        except requests.RequestException as error:
            self.failures.append(f"{path}: {type(error).__name__}")

    def run(self, count=None, until=None, pause=0.0):
        """`count` requests, or requests until `until()` is true (at least 20)."""
        n = 0
        while (count is not None and n < count) or (count is None and (n < 20 or not until())):
            self.once()
            n += 1
            if pause:
                time.sleep(pause)
        return self

    def summary(self, start=None, end=None):
        """Latency figures in ms, optionally only of requests sent between `start` and `end` (time.monotonic)."""
        ms = [x * 1000 for x, t in zip(self.latencies, self.times)
              if (start is None or t >= start) and (end is None or t < end)]
        return {"n": len(ms), "p50": percentile(ms, 50), "p99": percentile(ms, 99), "max": max(ms) if ms else 0.0,
                "failures": len(self.failures)}


def cpu_seconds(pid):
    """User + system CPU time a process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fmt_latency(s):
    return f"n={s['n']} p50={s['p50']:.1f}ms p99={s['p99']:.1f}ms max={s['max']:.1f}ms failures={s['failures']}"


# --------------------------------------------------------------------------------------------------- storm worker


def storm_worker(base, transfer_id, total, concurrency, client_ids, result_queue):
    """Runs in a separate process (so its CPU use does not distort the prober's timing in the parent):
    `total` GETs of /api/transfers/{id} with a wrong password each, spread over `client_ids`, `concurrency` at a time."""
    import collections
    from concurrent.futures import ThreadPoolExecutor

    os.nice(10)  # the attacker stands in for other machines: it must not take the CPU from the server or the prober
    local = threading.local()
    counts = collections.Counter()
    lock = threading.Lock()
    first = {}

    def one(i):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        headers = dict(API_HEADERS)
        headers["X-CS-ClientId"] = client_ids[i % len(client_ids)]
        headers["X-CS-Password"] = f"wrong-{i}-Pa55!"
        try:
            r = session.get(f"{base}/api/transfers/{transfer_id}", headers=headers, timeout=120)
            try:
                code = r.json().get("errorCode")
            except ValueError:
                code = None
            key = f"{r.status_code}/{code}"
        except requests.RequestException as error:
            key = type(error).__name__
        with lock:
            counts[key] += 1
            if key not in first:
                first[key] = time.monotonic()

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(total)))
    result_queue.put({"counts": dict(counts), "seconds": time.monotonic() - began, "began": began, "first": first})


# --------------------------------------------------------------------------------------------------- small file system


def mount_small_fs(resources, directory, size_mib):
    """Mounts a `size_mib` file system on `directory`: tmpfs, else a loop-mounted ext4 image.

    Returns a description. Raises DrillError naming every reason when neither works (the drill then fails)."""
    os.makedirs(directory, exist_ok=True)
    reasons = []
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mib}m,mode=0700", "tmpfs", directory],
                       capture_output=True, text=True)
    if r.returncode == 0:
        resources.push(f"unmount {directory}", lambda: unmount(directory))
        return f"tmpfs size={size_mib}m"
    reasons.append(f"mount -t tmpfs: {(r.stderr or r.stdout).strip() or r.returncode}")
    image = directory.rstrip("/") + ".img"
    try:
        with open(image, "wb") as f:
            f.truncate(size_mib * MiB)
        resources.push(f"remove {image}", lambda: os.path.exists(image) and os.unlink(image))
        r = subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", image], capture_output=True, text=True)
        if r.returncode != 0:
            raise DrillError(f"mkfs.ext4: {(r.stderr or r.stdout).strip()}")
        r = subprocess.run(["mount", "-o", "loop", image, directory], capture_output=True, text=True)
        if r.returncode != 0:
            raise DrillError(f"mount -o loop: {(r.stderr or r.stdout).strip()}")
        resources.push(f"unmount {directory}", lambda: unmount(directory))
        os.chmod(directory, 0o700)
        return f"loop-mounted ext4 image of {size_mib} MiB"
    except (OSError, DrillError) as error:
        reasons.append(f"loop ext4: {error}")
    raise DrillError("cannot mount a small file system: " + "; ".join(reasons))


def unmount(directory):
    r = subprocess.run(["umount", directory], capture_output=True, text=True)
    if r.returncode != 0:
        r = subprocess.run(["umount", "-l", directory], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"umount {directory}: {r.stderr.strip()}")


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def make_tempdir(resources, prefix):
    path = tempfile.mkdtemp(prefix=prefix)
    resources.push(f"remove {path}", lambda: shutil.rmtree(path, ignore_errors=True))
    return path


# --------------------------------------------------------------------------------------------------- kill on rename


def start_rename_killer(resources, pid, directory):
    """Starts a helper process that SIGKILLs `pid` the moment a file is renamed out of `directory` (inotify
    IN_MOVED_FROM), i.e. when the server moves a finished upload from store/tmp into store/blobs. The helper blocks
    in the kernel and runs SCHED_FIFO where permitted, so it reacts within microseconds even under CPU load.
    Returns the Popen; its stdout says `killed NAME` once it struck."""
    helper = os.path.join(os.path.dirname(os.path.abspath(__file__)), "killer.py")
    proc = subprocess.Popen([sys.executable, helper, str(pid), directory], stdout=subprocess.PIPE, text=True)

    def stop():
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    resources.push("rename killer", stop)
    line = proc.stdout.readline().strip()
    if not line.startswith("ready"):
        proc.kill()
        raise DrillError(f"rename killer did not start: {line!r}")
    return proc, line
