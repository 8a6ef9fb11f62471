"""Starts a real `sealdrop serve` on free loopback ports with its own data dir, for end-to-end tests."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import pathlib

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]


# Every server's directory (data dir, config, log); removed when the session ends, since the big transfer test
# alone leaves hundreds of MiB. Servers are restarted on the same directory within a test, so not at stop().
CREATED_DIRS = []


@pytest.fixture(scope="session", autouse=True)
def remove_server_dirs():
    yield
    for path in CREATED_DIRS:
        shutil.rmtree(path, ignore_errors=True)


_HANDED_OUT = set()


def free_port():
    """A free loopback port, never one handed out before in this process: once the probing socket is closed the kernel
    may give the same port to the next bind, and two listeners of one server on one port stop it at start."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


class Server:
    """A running server process with its ports, data dir and helpers to read captured mail."""

    def __init__(self, settings=None):
        self.dir = tempfile.mkdtemp(prefix="sealdrop-e2e-")
        CREATED_DIRS.append(self.dir)
        self.data = os.path.join(self.dir, "data")
        self.http = free_port()
        self.admin = free_port()
        self.base = f"http://127.0.0.1:{self.http}"
        config = {"settings": settings or {}}
        self.config = os.path.join(self.dir, "config.json")
        with open(self.config, "w") as f:
            json.dump(config, f)
        self.env = dict(os.environ,
                        SEALDROP_DATA_DIR=self.data,
                        SEALDROP_USER_HTTP=f"127.0.0.1:{self.http}",
                        SEALDROP_USER_HTTPS="off",
                        SEALDROP_ADMIN_HTTPS="off",
                        SEALDROP_ADMIN_HTTP=f"127.0.0.1:{self.admin}",
                        SEALDROP_BASE_URL=self.base)
        self.binary = os.environ.get("SEALDROP_BIN", str(ROOT / ".build" / "debug" / "sealdrop"))
        self.proc = None

    def start(self):
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen([self.binary, "serve", "--config", self.config], env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.read_log())
            try:
                if requests.get(self.base + "/api/status", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self, sig_kill=False):
        if self.proc and self.proc.poll() is None:
            if sig_kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            self.proc.wait(timeout=30)

    def wait_for_log(self, text, timeout=30):
        """Waits until the server's output contains `text` (for example `admin.bootstrap`, logged once every
        listener is up)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in self.read_log():
                return
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not in the server log after {timeout}s")

    def read_log(self):
        with open(os.path.join(self.dir, "server.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def mails(self):
        folder = os.path.join(self.data, "mail")
        if not os.path.isdir(folder):
            return []
        return sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".eml"))

    def wait_for_mail(self, kind, count=1, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [m for m in self.mails() if m.endswith(f"-{kind}.eml")]
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"no {kind} mail after {timeout}s; have {self.mails()}")


@pytest.fixture
def server():
    s = Server(settings={"downloadProtection": {"maxAttempts": 3, "action": "lock", "lockMinutes": 5}}).start()
    yield s
    s.stop()
