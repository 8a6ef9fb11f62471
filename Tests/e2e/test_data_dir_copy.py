"""Issue 11 H1 against the real binary: copy a running server's data dir, as a backup or an intruder would, and
search every file of the copy for the secrets the review found there (the pre-finalize transfer key, a mode-NONE
link's password, verification codes). Mail goes to a real SMTP relay (aiosmtpd), so none is captured in the dir."""
import os
import re
import shutil
import sqlite3
import tempfile
import time

from client import Client
from conftest import Server
from test_smtp_relay import peers_or_skip, wait_for_message

SENDER = "copy-sender-%d@example.org" % os.getpid()
RECIPIENT = "copy-recipient-%d@example.net" % os.getpid()


def every_file(directory):
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            if os.path.isfile(path) and not os.path.islink(path):
                yield os.path.relpath(path, directory), open(path, "rb").read()


def copy_and_search(data_dir, secrets):
    """`cp -a` of the live data dir; returns (secret name, file) for every secret found in any file of the copy."""
    copy = tempfile.mkdtemp(prefix="sealdrop-copy-")
    try:
        shutil.copytree(data_dir, os.path.join(copy, "data"), symlinks=True)
        found = []
        for name, content in every_file(os.path.join(copy, "data")):
            for what, secret in secrets.items():
                if secret and secret in content:
                    found.append((what, name))
        return found
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def test_copy_of_a_live_data_dir_holds_no_key_password_or_code():
    peers_or_skip()
    e = os.environ
    server = Server()
    server.env.update(SEALDROP_SMTP_URL=f"smtp://localhost:{e['SMTP_PLAIN_PORT']}", SEALDROP_MAIL_FROM="sealdrop@example.org")
    server.start()
    try:
        client = Client(server.base)
        client.obtain_client_id()
        assert client.post(f"/api/users/{SENDER}/verification/code/email").status_code == 200
        mail = wait_for_message(e["SMTP_MAILDIR_PLAIN"], SENDER)
        code = re.search(r"\b([A-Z0-9]{10})\b", mail.get_body(preferencelist=("plain",)).get_content()).group(1)
        r = client.post(f"/api/users/{SENDER}/verification/token", json={"verificationCode": code})
        assert r.status_code == 200, r.text
        client.token = r.json()["data"]["token"]

        r = client.post(f"/api/users/{SENDER}/transfer-sessions",
                        json={"sender": {"name": "Alice", "phone": "", "email": SENDER},
                              "recipients": {"to": [{"mail": RECIPIENT}], "cc": [], "bcc": []}})
        assert r.status_code == 201, r.text
        tracking = r.headers["Location"].rsplit("/", 1)[1]
        r = client.request("PATCH", f"/api/users/{SENDER}/transfer-sessions/{tracking}",
                           json={"securityMode": {"name": "ONE_TIME_PASSWORD", "config": {"passwordMode": "NONE"}}})
        assert r.status_code == 200, r.text
        content = b"confidential contract " * 5000
        r = client.post(f"/api/users/{SENDER}/transfer-sessions/{tracking}/files", json={"fileName": "contract.txt", "size": len(content)})
        assert r.status_code == 201, r.text
        file_id = r.headers["Location"].rsplit("/", 1)[1]
        r = client.request("PUT", f"/api/users/{SENDER}/transfer-sessions/{tracking}/files/{file_id}/content", data=content)
        assert r.status_code == 200, r.text

        # The session's sealed key as stored before finalize (read-only look into the live database).
        db = sqlite3.connect(f"file:{server.data}/sealdrop.sqlite?mode=ro", uri=True)
        sealed_key = db.execute("SELECT session_sealed_key FROM transfers WHERE tracking_id = ?", (tracking,)).fetchone()[0]
        db.close()
        assert sealed_key and len(sealed_key) == 60

        r = client.post(f"/api/users/{SENDER}/transfer-sessions/{tracking}")
        assert r.status_code == 201, r.text
        notification = wait_for_message(e["SMTP_MAILDIR_PLAIN"], RECIPIENT)
        body = notification.get_body(preferencelist=("plain",)).get_content()
        link = re.search(r"(http://\S+/download\?id=\w+&password=(\S+))", body)
        assert link, body
        from urllib.parse import unquote
        password = unquote(link.group(2))
        deadline = time.time() + 30
        while server.read_log().count("outbox.sent") < 3 and time.time() < deadline:
            time.sleep(0.1)

        secrets = {"pre-finalize sealed transfer key": sealed_key, "NONE password": password.encode(), "verification code": code.encode(),
                   "verification token": client.token.encode()}
        assert copy_and_search(server.data, secrets) == []
        # The copy is a real one: the file's metadata and the (encrypted) blob are in it.
        assert any(name.endswith(".blob") for name, _ in every_file(server.data))
        # And the password still opens the transfer on the running server.
        transfer_id = re.search(r"download\?id=(\w+)", body).group(1)
        recipient = Client(server.base)
        recipient.obtain_client_id()
        r = recipient.get(f"/api/transfers/{transfer_id}/files/{file_id}", headers={"X-CS-Password": password})
        assert r.status_code == 200 and r.content == content
    finally:
        server.stop()
