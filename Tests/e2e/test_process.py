"""The process contract: listeners, self-signed certificate, HTTPS redirect, admin separation, start-up errors."""
import hashlib
import os
import signal
import subprocess
import time

import requests
import urllib3

from conftest import Server, free_port

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


def test_https_self_signed_once_redirect_and_admin_separation():
    server = Server(settings={"redirectHTTPToHTTPS": True})
    https, admin_https = free_port(), free_port()
    server.env.update(SEALDROP_USER_HTTPS=f"127.0.0.1:{https}", SEALDROP_ADMIN_HTTPS=f"127.0.0.1:{admin_https}")
    server.start_url = f"https://127.0.0.1:{https}"
    _start(server, f"https://127.0.0.1:{https}/api/status")
    try:
        cert = os.path.join(server.data, "tls", "self-signed.crt")
        key = os.path.join(server.data, "tls", "self-signed.key")
        assert os.path.exists(cert) and oct(os.stat(key).st_mode & 0o777) == "0o600"
        first = hashlib.sha256(open(cert, "rb").read()).hexdigest()
        r = requests.get(f"https://127.0.0.1:{https}/api/status", verify=cert)
        assert r.status_code == 200 and r.json()["apiVersions"]["uiApiVersions"][0]["major"] == 1
        # Plain HTTP redirects to HTTPS, path and query kept.
        r = requests.get(f"http://127.0.0.1:{server.http}/api/status?x=1", allow_redirects=False)
        assert r.status_code == 308 and r.headers["Location"] == f"https://127.0.0.1:{https}/api/status?x=1"
        # Admin listeners answer health and metrics, never the API; user listeners never the admin paths.
        assert requests.get(f"https://127.0.0.1:{admin_https}/health", verify=cert).json()["ready"] is True
        assert "sealdrop_outbox_queued" in requests.get(f"http://127.0.0.1:{server.admin}/metrics").text
        assert requests.get(f"http://127.0.0.1:{server.admin}/api/status").status_code == 404
        assert requests.get(f"https://127.0.0.1:{https}/health", verify=cert).status_code == 404
        assert requests.get(f"https://127.0.0.1:{https}/metrics", verify=cert).status_code == 404
        # HSTS on every HTTPS answer (errors too), never on plain HTTP.
        hsts = "Strict-Transport-Security"
        assert r.headers.get(hsts) is None
        for url in (f"https://127.0.0.1:{https}/api/status", f"https://127.0.0.1:{https}/no-such-page",
                    f"https://127.0.0.1:{admin_https}/login", f"https://127.0.0.1:{admin_https}/health"):
            assert requests.get(url, verify=cert).headers.get(hsts) == "max-age=31536000", url
        for url in (f"http://127.0.0.1:{server.http}/api/status", f"http://127.0.0.1:{server.admin}/login"):
            assert requests.get(url, allow_redirects=False).headers.get(hsts) is None, url
        # No relay configured outside --dev: one loud line says mail is only captured.
        log = server.read_log()
        assert log.count("sealdrop: WARNING: mail is captured to ") == 1, log[-2000:]
    finally:
        server.stop()
    # Restart: the same certificate is reused.
    _start(server, f"https://127.0.0.1:{https}/api/status")
    try:
        assert hashlib.sha256(open(cert, "rb").read()).hexdigest() == first
    finally:
        server.stop()


def test_graceful_shutdown_on_sigint_and_sigterm():
    for sig in (signal.SIGINT, signal.SIGTERM):
        server = Server().start()
        server.proc.send_signal(sig)
        assert server.proc.wait(timeout=20) == 0
        assert "server.starting" in server.read_log()


def test_port_in_use_stops_start_with_one_clear_line():
    first = Server().start()
    try:
        second = Server()
        second.env.update(SEALDROP_USER_HTTP=f"127.0.0.1:{first.http}")
        out = subprocess.run([second.binary, "serve", "--config", second.config], env=second.env,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode != 0
        lines = [l for l in out.stderr.splitlines() if l.startswith("sealdrop:")]
        assert lines == [f"sealdrop: configuration error: SEALDROP_USER_HTTP: user HTTP listener 127.0.0.1:{first.http}: "
                         f"the address is already in use; set SEALDROP_USER_HTTP to a free host:port or off"]
    finally:
        first.stop()


def test_bad_configuration_names_the_key():
    server = Server()
    for env, key in [({"SEALDROP_USER_HTTPS": "localhost"}, "SEALDROP_USER_HTTPS"),
                     ({"SEALDROP_LOG_LEVEL": "loud"}, "SEALDROP_LOG_LEVEL"),
                     ({"SEALDROP_BASE_URL": "ftp://x"}, "SEALDROP_BASE_URL"),
                     ({"SEALDROP_TLS_CERT": "/nonexistent.pem"}, "SEALDROP_TLS_KEY")]:
        out = subprocess.run([server.binary, "config", "check", "--config", server.config], env=dict(server.env, **env),
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 2
        assert out.stderr.strip().startswith(f"sealdrop: configuration error: {key}:"), out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
    with open(server.config, "w") as f:
        f.write('{"settings": {"policy": {"maxRetentionDays": 400}}}')
    out = subprocess.run([server.binary, "config", "check", "--config", server.config], env=server.env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "settings.policy.maxRetentionDays" in out.stderr
    out = subprocess.run([server.binary, "version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("sealdrop ")


def _start(server, url):
    server.log = open(os.path.join(server.dir, "server.log"), "ab")
    server.proc = subprocess.Popen([server.binary, "serve", "--config", server.config], env=server.env,
                                   stdout=server.log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        assert server.proc.poll() is None, server.read_log()
        try:
            requests.get(url, timeout=1, verify=False)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")
