"""Scheduled tasks and configuration without a browser, against the built server: `sealdrop admin create-token`
prints a token once, the admin API accepts it, lists the tasks, runs one now and refuses a second start."""
import os
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


def test_the_backup_directory_set_in_the_admin_serves_the_task_and_the_command_line():
    server = Server(settings={"tasks": {"schedules": {"backup": "off"}}}).start()
    try:
        token = cli(server, "admin", "create-token", "--name", "ops", "--role", "administrator").stdout.strip()
        # No directory yet: the task says so and does nothing; the command line asks for one.
        started = admin_api(server, "POST", "/tasks/backup/run", token)
        assert started.status_code == 202, started.text
        assert wait_for_run(server, token, "backup", started.json()["run"]["id"])["detail"] == "no backup directory set"
        refused = cli(server, "backup", "create")
        assert refused.returncode == 2 and "--to DIR" in refused.stderr, refused.stderr

        target = os.path.join(server.dir, "backups")
        saved = admin_api(server, "PUT", "/settings/backup", token, json={"backup": {"directory": target, "keep": 2}})
        assert saved.status_code == 200, saved.text
        started = admin_api(server, "POST", "/tasks/backup/run", token)
        run = wait_for_run(server, token, "backup", started.json()["run"]["id"])
        assert run["outcome"] == "succeeded" and run["detail"].startswith("backup sealdrop-"), run
        made = cli(server, "backup", "create", "--name", "by-hand")
        assert made.returncode == 0, made.stderr
        assert os.path.isdir(os.path.join(target, "by-hand"))
        verified = cli_plain(server, "backup", "verify", os.path.join(target, "by-hand"))
        assert verified.returncode == 0 and verified.stdout.startswith("backup ok"), verified.stdout + verified.stderr
        listed = admin_api(server, "GET", "/backups", token).json()
        assert sorted(b["state"] for b in listed["backups"]) == ["complete", "complete"], listed
    finally:
        server.stop()


def cli_plain(server, *args):
    return subprocess.run([server.binary, *args], env=server.env, capture_output=True, text=True, timeout=60)


def wait_for_run(server, token, name, run_id):
    deadline = time.time() + 60
    while time.time() < deadline:
        task = next(t for t in admin_api(server, "GET", "/tasks", token).json()["tasks"] if t["name"] == name)
        run = next((r for r in task["runs"] if r["id"] == run_id), None)
        if run and run["outcome"] != "running":
            return run
        time.sleep(0.1)
    raise AssertionError(f"{name} did not finish")
