"""The signed update check through the built server, against the real HTTPS manifest peer (scripts/peers/manifest.sh):
"run now" through the admin API fetches and verifies the manifest, the status shows the new version and the
administrators get one mail per version; a manifest with a bad signature leaves "last check failed" and no mail."""
import os
import subprocess
import time

import pytest
import requests

from conftest import Server


def peer():
    if not os.environ.get("MANIFEST_URL_BASE"):
        pytest.fail("MANIFEST_URL_BASE is not set; start the peer with scripts/peers/manifest.sh")
    return os.environ["MANIFEST_URL_BASE"]


def start(scenario):
    server = Server(settings={"tasks": {"schedules": {"update-check": "off"}},
                              "downloadProtection": {"adminEmails": ["ops@example.org"]}})
    server.env.update(SEALDROP_UPDATE_URL=f"{peer()}/{scenario}/manifest.json",
                      SEALDROP_UPDATE_KEYS=os.environ["MANIFEST_KEY_PUB"],
                      SEALDROP_TRUST_CA=os.environ["MANIFEST_CA"])
    server.start()
    created = subprocess.run([server.binary, "admin", "create-token", "--name", "ops", "--role", "administrator",
                              "--config", server.config], env=server.env, capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    return server, created.stdout.strip()


def api(server, method, path, token):
    return requests.request(method, f"http://127.0.0.1:{server.admin}/admin/api{path}",
                            headers={"Authorization": f"Bearer {token}"}, timeout=10)


def run_check(server, token):
    started = api(server, "POST", "/tasks/update-check/run", token)
    assert started.status_code == 202, started.text
    run_id = started.json()["run"]["id"]
    deadline = time.time() + 60
    while time.time() < deadline:
        task = next(t for t in api(server, "GET", "/tasks", token).json()["tasks"] if t["name"] == "update-check")
        run = next((r for r in task["runs"] if r["id"] == run_id), None)
        if run and run["outcome"] != "running":
            return run
        time.sleep(0.1)
    raise AssertionError("the update check did not finish")


def test_a_newer_signed_release_is_shown_and_mailed_once():
    server, token = start("newer")
    try:
        run = run_check(server, token)
        assert run["outcome"] == "succeeded", run
        assert "1.4.0 available (security)" in run["detail"]
        update = api(server, "GET", "/status", token).json()["update"]
        assert update["state"] == "available" and update["available"]["version"] == "1.4.0", update
        assert update["available"]["notes"].startswith("https://")
        mails = server.wait_for_mail("update-available")
        assert len(mails) == 1
        with open(mails[0], encoding="utf-8", errors="replace") as f:
            assert "1.4.0" in f.read()
        # Checked again: still available, no second mail.
        assert run_check(server, token)["outcome"] == "succeeded"
        time.sleep(1)
        assert len([m for m in server.mails() if m.endswith("-update-available.eml")]) == 1
    finally:
        server.stop()


def test_a_bad_signature_is_refused_and_says_why():
    server, token = start("badsig")
    try:
        run = run_check(server, token)
        assert run["outcome"] == "failed" and "signature" in run["detail"], run
        update = api(server, "GET", "/status", token).json()["update"]
        assert update["state"] == "failed" and "signature" in update["lastFailure"]["reason"], update
        assert update["text"].startswith("last check failed:"), update
        assert not [m for m in server.mails() if m.endswith("-update-available.eml")]
    finally:
        server.stop()
