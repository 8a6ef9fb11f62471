"""kill -9 during an upload and during finalize: after a restart nothing is half-visible and nothing is lost."""
import os
import re
import threading
import time

import requests

from client import Client, verify_sender
from conftest import Server

SENDER = "carol@example.org"
RECIPIENT = "dave@example.net"
PASSWORD = "Cr4sh!Safe#2026"


def new_session(client, files):
    r = client.post(f"/api/users/{SENDER}/transfer-sessions",
                    json={"recipients": {"to": [{"mail": RECIPIENT}]}})
    assert r.status_code == 201, r.text
    tracking = r.headers["Location"].rsplit("/", 1)[1]
    r = client.request("PATCH", f"/api/users/{SENDER}/transfer-sessions/{tracking}",
                       json={"securityMode": {"name": "ONE_TIME_PASSWORD", "config": {"passwordMode": "MANUAL", "password": PASSWORD}}})
    assert r.status_code == 200, r.text
    ids = {}
    for name, size in files.items():
        r = client.post(f"/api/users/{SENDER}/transfer-sessions/{tracking}/files", json={"fileName": name, "size": size})
        assert r.status_code == 201, r.text
        ids[name] = r.json()["data"]["fileId"]
    return tracking, ids


def file_states(client, tracking):
    r = client.get(f"/api/users/{SENDER}/transfer-sessions/{tracking}")
    assert r.status_code == 200, r.text
    return {f["fileName"]: f["state"] for f in r.json()["data"]["files"]}


def store_files(server):
    found = []
    for root, _, names in os.walk(os.path.join(server.data, "store")):
        found += [os.path.join(root, n) for n in names]
    return found


def test_kill_during_upload_leaves_no_partial_file():
    server = Server().start()
    try:
        client = Client(server.base)
        client.obtain_client_id()
        verify_sender(client, server, SENDER)
        size = 64 * 1024 * 1024
        tracking, ids = new_session(client, {"big.bin": size})
        sent = {"bytes": 0}
        block = os.urandom(1024 * 1024)

        def slow_body():
            for i in range(size // len(block)):
                if i >= 8:
                    time.sleep(0.2)  # the server gets killed while this trickles on
                sent["bytes"] += len(block)
                yield block

        def upload():
            try:
                client.request("PUT", f"/api/users/{SENDER}/transfer-sessions/{tracking}/files/{ids['big.bin']}/content",
                               data=slow_body(), timeout=60)
            except requests.RequestException:
                pass

        t = threading.Thread(target=upload)
        t.start()
        while sent["bytes"] < 10 * 1024 * 1024:
            time.sleep(0.05)
        partial = [p for p in store_files(server) if p.endswith(".part")]
        assert partial, "the upload should be in a temporary file while it arrives"
        server.stop(sig_kill=True)
        t.join(timeout=60)

        server.start()
        # No temporary file survives the restart, and no blob became visible.
        assert store_files(server) == []
        client.session = requests.Session()
        assert file_states(client, tracking) == {"big.bin": "INITIALIZED"}
        # The session is usable again: upload the file whole, finalize, download.
        r = client.request("PUT", f"/api/users/{SENDER}/transfer-sessions/{tracking}/files/{ids['big.bin']}/content",
                           data=(block for _ in range(size // len(block))))
        assert r.status_code == 200, r.text
        assert file_states(client, tracking) == {"big.bin": "UPLOADED"}
        r = client.post(f"/api/users/{SENDER}/transfer-sessions/{tracking}")
        assert r.status_code == 201, r.text
    finally:
        server.stop()


def test_kill_during_finalize_is_all_or_nothing():
    server = Server().start()
    try:
        client = Client(server.base)
        client.obtain_client_id()
        verify_sender(client, server, SENDER)
        outcomes = []
        for delay in (0.0, 0.02, 0.1, 0.4, 1.5, 3.0):
            tracking, ids = new_session(client, {"a.txt": 5})
            r = client.request("PUT", f"/api/users/{SENDER}/transfer-sessions/{tracking}/files/{ids['a.txt']}/content", data=b"12345")
            assert r.status_code == 200
            t = threading.Thread(target=lambda: _quiet(lambda: client.post(f"/api/users/{SENDER}/transfer-sessions/{tracking}", timeout=30)))
            t.start()
            time.sleep(delay)
            server.stop(sig_kill=True)
            t.join(timeout=30)
            server.start()
            client.session = requests.Session()
            r = client.get(f"/api/users/{SENDER}/transfers/{tracking}")
            if r.status_code == 200:
                outcomes.append("finalized")
                assert r.json()["data"]["status"]["state"] == "ACTIVE"
                # A finalized transfer cannot be finalized again, and its files are there.
                assert client.post(f"/api/users/{SENDER}/transfer-sessions/{tracking}").status_code == 404
            else:
                outcomes.append("open")
                assert r.status_code == 404 and r.json()["errorCode"] == 2003
                assert file_states(client, tracking) == {"a.txt": "UPLOADED"}
                r = client.post(f"/api/users/{SENDER}/transfer-sessions/{tracking}")
                assert r.status_code == 201, r.text
            # Either way the recipient is notified exactly once.
            deadline = time.time() + 20
            while time.time() < deadline and not _notifications_for(server, tracking):
                time.sleep(0.1)
            assert len(_notifications_for(server, tracking)) == 1
            transfer_id = client.get(f"/api/users/{SENDER}/transfers/{tracking}").json()["data"]["status"]["recipients"][0]["id"]
            recipient = Client(server.base)
            recipient.obtain_client_id()
            files = recipient.get(f"/api/transfers/{transfer_id}/files", headers={"X-CS-Password": PASSWORD}).json()["data"]
            content = recipient.get(f"/api/transfers/{transfer_id}/files/{files[0]['id']}", headers={"X-CS-Password": PASSWORD}).content
            assert content == b"12345"
        print("finalize outcomes:", outcomes)
        assert "finalized" in outcomes, "no run reached the finalized side; the drill did not test both outcomes"
    finally:
        server.stop()


def _quiet(call):
    try:
        call()
    except requests.RequestException:
        pass


def _notifications_for(server, tracking):
    found = []
    for path in server.mails():
        if path.endswith("-recipient-notification.eml"):
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
            # The tracking id is not in the recipient's mail; match by the transfer's link instead.
            found.append(path)
    ids = set()
    for path in found:
        with open(path, "rb") as f:
            import email, email.policy
            body = email.message_from_binary_file(f, policy=email.policy.default).get_body(preferencelist=("plain",)).get_content()
        m = re.search(r"download\?id=(\w+)", body)
        if m:
            ids.add((path, m.group(1)))
    wanted = _transfer_ids(server, tracking)
    return [p for p, tid in ids if tid in wanted]


def _transfer_ids(server, tracking):
    import sqlite3
    db = sqlite3.connect(os.path.join(server.data, "sealdrop.sqlite"))
    try:
        return {row[0] for row in db.execute("SELECT transfer_id FROM recipients WHERE tracking_id = ?", (tracking,))}
    finally:
        db.close()
