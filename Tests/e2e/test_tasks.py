"""Scheduled tasks and configuration without a browser, against the built server: `sealdrop admin create-token`
prints a token once, the admin API accepts it, lists the tasks, runs one now and refuses a second start."""
import subprocess
import time

import requests

from conftest import Server


def cli(server, *args):
    return subprocess.run([server.binary, *args, "--config", server.config], env=server.env,
                          capture_output=True, text=True, timeout=60)


def admin_api(server, method, path, token, **kwargs):
    return requests.request(method, f"http://127.0.0.1:{server.admin}/admin/api{path}",
                            headers={"Authorization": f"Bearer {token}"}, timeout=10, **kwargs)


def test_a_token_from_the_command_line_runs_a_task_and_is_listed_and_audited():
    server = Server(settings={"tasks": {"schedules": {"cleanup": "off"}}}).start()
    try:
        created = cli(server, "admin", "create-token", "--name", "ansible", "--role", "config-admin")
        assert created.returncode == 0, created.stderr
        token = created.stdout.strip()
        assert token.startswith("sdt_") and len(token) == 47
        assert token not in created.stderr and "not shown again" in created.stderr
        refused = cli(server, "admin", "create-token", "--name", "x", "--role", "root")
        assert refused.returncode == 2 and "--role must be" in refused.stderr

        tasks = admin_api(server, "GET", "/tasks", token)
        assert tasks.status_code == 200, tasks.text
        names = [t["name"] for t in tasks.json()["tasks"]]
        assert "cleanup" in names and "archive-retry" in names
        cleanup = next(t for t in tasks.json()["tasks"] if t["name"] == "cleanup")
        assert cleanup["schedule"] == "off" and cleanup["nextRun"] is None

        started = admin_api(server, "POST", "/tasks/cleanup/run", token)
        assert started.status_code == 202, started.text
        deadline = time.time() + 30
        runs = []
        while time.time() < deadline:
            runs = next(t for t in admin_api(server, "GET", "/tasks", token).json()["tasks"] if t["name"] == "cleanup")["runs"]
            if runs and runs[0]["outcome"] != "running":
                break
            time.sleep(0.1)
        assert runs and runs[0]["outcome"] == "succeeded", runs
        assert runs[0]["detail"].startswith("0 expired transfers ended")

        # A config admin may not manage administrators; the token shows in the list an administrator sees, and the CLI's
        # creation is in the audit log.
        assert admin_api(server, "GET", "/admins", token).status_code == 403
        root = cli(server, "admin", "create-token", "--name", "root-token", "--role", "administrator").stdout.strip()
        listed = admin_api(server, "GET", "/admins", root)
        assert listed.status_code == 200, listed.text
        token_rows = {t["label"]: t for t in listed.json()["tokens"]}
        assert token_rows["ansible"]["role"] == "configAdmin" and token_rows["ansible"]["createdBy"] == "cli", token_rows
        assert token_rows["ansible"]["lastUsedAt"] is not None and token not in listed.text
        audit = admin_api(server, "GET", "/audit", root)
        assert audit.status_code == 200
        assert any(e.get("action") == "token.create" and e.get("target") == "ansible" for e in audit.json()["entries"]), audit.text
    finally:
        server.stop()
