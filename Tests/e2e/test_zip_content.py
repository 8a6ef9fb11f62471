"""showZipFileContent end to end: a real ZIP from Python's zipfile, uploaded over REST; the captured recipient mail
and the REST mail endpoint list the names inside it, escaped in HTML."""
import email
import email.policy
import io
import os
import zipfile

from client import Client, verify_sender

SENDER = "alice@example.org"
RECIPIENT = "bob@example.net"
PASSWORD = "Tr4nsfer!Key#77"
NAMES = ["Prüfbericht – Ä.pdf", "Übersicht/Größe.txt", "<script>alert(1)</script>.html"]


def build_zip():
    """A ZIP whose central directory lies past the first encrypted segment (1 MiB of incompressible data first)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(zipfile.ZipInfo(NAMES[0]), os.urandom(1536 * 1024), compress_type=zipfile.ZIP_STORED)
        z.writestr("Übersicht/", b"")  # a directory entry: not listed
        z.writestr(NAMES[1], "Inhalt " * 100, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr(NAMES[2], b"<html></html>")
        z.comment = "Archiv-Kommentar PK\x05\x06".encode()
    return buffer.getvalue()


def parts(path):
    """The plain-text and HTML bodies of a captured mail."""
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    return msg.get_body(preferencelist=("plain",)).get_content(), msg.get_body(preferencelist=("html",)).get_content()


def provide(server, client, files, show_zip):
    """Creates a session with both display settings, uploads `files` (name -> bytes), finalizes; returns the tracking id."""
    r = client.post(f"/api/users/{SENDER}/transfer-sessions",
                    json={"sender": {"name": "Alice", "phone": "", "email": SENDER},
                          "recipients": {"to": [{"mail": RECIPIENT}], "cc": [], "bcc": []}})
    assert r.status_code == 201, r.text
    tracking = r.headers["Location"].rsplit("/", 1)[1]
    r = client.request("PATCH", f"/api/users/{SENDER}/transfer-sessions/{tracking}",
                       json={"securityMode": {"name": "ONE_TIME_PASSWORD", "config": {"passwordMode": "MANUAL", "password": PASSWORD}},
                             "showFileNames": True, "showZipFileContent": show_zip})
    assert r.status_code == 200, r.text
    for name, data in files.items():
        r = client.post(f"/api/users/{SENDER}/transfer-sessions/{tracking}/files", json={"fileName": name, "size": len(data)})
        assert r.status_code == 201, r.text
        file_id = r.headers["Location"].rsplit("/", 1)[1]
        r = client.request("PUT", f"/api/users/{SENDER}/transfer-sessions/{tracking}/files/{file_id}/content", data=data)
        assert r.status_code == 200, r.text
    r = client.post(f"/api/users/{SENDER}/transfer-sessions/{tracking}")
    assert r.status_code == 201, r.text
    return tracking


def recipient_mail(server):
    """The one captured recipient notification of this test's server."""
    return parts(server.wait_for_mail("recipient-notification")[-1])


def test_zip_entries_are_listed_in_the_mail_and_the_mail_endpoint(server):
    sender = Client(server.base)
    sender.obtain_client_id()
    verify_sender(sender, server, SENDER)
    tracking = provide(server, sender, {"Anlagen.zip": build_zip(), "notes.txt": b"plain"}, show_zip=True)

    text, html = recipient_mail(server)
    lines = text.splitlines()
    zip_line = next(i for i, line in enumerate(lines) if line.startswith("  - Anlagen.zip"))
    assert lines[zip_line + 1:zip_line + 4] == ["      " + name for name in NAMES]
    assert not any("Übersicht/ " in line or line.strip() == "Übersicht/" for line in lines)
    for escaped in ["<li>Prüfbericht – Ä.pdf</li>", "<li>Übersicht/Größe.txt</li>", "<li>&lt;script&gt;alert(1)&lt;/script&gt;.html</li>"]:
        assert escaped in html, html
    assert "<script>" not in html

    # The REST mail endpoint renders the same listing later, from what finalize stored (the key is gone by then).
    r = sender.get(f"/api/users/{SENDER}/transfers/{tracking}")
    assert r.status_code == 200, r.text
    transfer_id = r.json()["data"]["status"]["recipients"][0]["id"]
    r = sender.post(f"/api/users/{SENDER}/transfers/{tracking}/emails/recipients/{transfer_id}")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/html")
    assert "<li>&lt;script&gt;alert(1)&lt;/script&gt;.html</li>" in r.text
    assert "<li>Übersicht/Größe.txt</li>" in r.text
    assert "<script>" not in r.text


def test_without_show_zip_file_content_no_entry_is_listed(server):
    sender = Client(server.base)
    sender.obtain_client_id()
    verify_sender(sender, server, SENDER)
    tracking = provide(server, sender, {"Anlagen.zip": build_zip()}, show_zip=False)
    text, html = recipient_mail(server)
    assert "Anlagen.zip" in text
    assert "Größe.txt" not in text and "Größe.txt" not in html
    r = sender.get(f"/api/users/{SENDER}/transfers/{tracking}")
    transfer_id = r.json()["data"]["status"]["recipients"][0]["id"]
    r = sender.post(f"/api/users/{SENDER}/transfers/{tracking}/emails/recipients/{transfer_id}")
    assert r.status_code == 200 and "Größe.txt" not in r.text
