"""Transfer mail through the real aiosmtpd relays of scripts/peers/smtp.sh: each transport mode, the bytes
the relay received (envelope, headers, MIME parts, UTF-8), hostile user fields, and relay faults
(a greylisting 451 then 250; a 550 for one recipient of several)."""
import email
import email.policy
import json
import mailbox
import os
import re
import sqlite3
import time
import uuid

import pytest

from client import Client
from conftest import Server
from test_smtp_relay import peers_or_skip

PASSWORD = "Tr4nsfer!Key#77"


def relay_messages(maildir, rcpt):
    """Every message the relay accepted whose envelope recipients are exactly [rcpt], as (raw bytes, parsed)."""
    out = []
    if not os.path.isdir(maildir):
        return out
    for key in mailbox.Maildir(maildir, create=False).keys():
        with open(os.path.join(maildir, "new", key), "rb") as f:
            raw = f.read()
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        if [a.strip().lower() for a in (parsed["X-RcptTo"] or "").split(",")] == [rcpt.lower()]:
            out.append((raw, parsed))
    return out


def wait_for(maildir, rcpt, count=1, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = relay_messages(maildir, rcpt)
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{rcpt}: {len(relay_messages(maildir, rcpt))} of {count} mails reached the relay in {timeout}s")


def squash(text):
    """`text` with every run of whitespace (CR and LF included) made one space."""
    return re.sub(r"\s+", " ", text).strip()


def text_of(parsed):
    return parsed.get_body(preferencelist=("plain",)).get_content()


def html_of(parsed):
    return parsed.get_body(preferencelist=("html",)).get_content()


def verify_via_relay(client, maildir, address):
    """Email verification with the code read from the mail the relay received."""
    before = len(relay_messages(maildir, address))
    assert client.post(f"/api/users/{address}/verification/code/email").status_code == 200
    _, mail = wait_for(maildir, address, before + 1)[-1]
    code = re.search(r"\b([A-Z0-9]{10})\b", text_of(mail)).group(1)
    r = client.post(f"/api/users/{address}/verification/token", json={"verificationCode": code})
    assert r.status_code == 200, r.text
    client.token = r.json()["data"]["token"]


def provide(client, sender, to, cc=(), name="", subject="", body="", files=(("report.pdf", b"%PDF-1.7 test"),)):
    """Creates a session, uploads `files`, finalizes; returns (tracking id, {file name accepted: bool})."""
    r = client.post(f"/api/users/{sender}/transfer-sessions",
                    json={"sender": {"name": name, "phone": "+49 30 1234", "email": sender},
                          "recipients": {"to": [{"mail": a} for a in to], "cc": [{"mail": a} for a in cc], "bcc": []}})
    assert r.status_code == 201, r.text
    tracking = r.headers["Location"].rsplit("/", 1)[1]
    r = client.request("PATCH", f"/api/users/{sender}/transfer-sessions/{tracking}",
                       json={"securityMode": {"name": "ONE_TIME_PASSWORD", "config": {"passwordMode": "MANUAL", "password": PASSWORD}},
                             "notificationMessage": {"subject": subject, "body": body}})
    assert r.status_code == 200, r.text
    accepted = {}
    for file_name, content in files:
        r = client.post(f"/api/users/{sender}/transfer-sessions/{tracking}/files", json={"fileName": file_name, "size": len(content)})
        accepted[file_name] = r.status_code == 201
        if r.status_code != 201:
            assert r.status_code == 400 and r.json().get("errorCode"), r.text
            continue
        file_id = r.headers["Location"].rsplit("/", 1)[1]
        r = client.request("PUT", f"/api/users/{sender}/transfer-sessions/{tracking}/files/{file_id}/content", data=content)
        assert r.status_code == 200, r.text
    r = client.post(f"/api/users/{sender}/transfer-sessions/{tracking}")
    assert r.status_code == 201, r.text
    return tracking, accepted


def relay_url(mode):
    e = os.environ
    if mode == "plain":
        return f"smtp://127.0.0.1:{e['SMTP_PLAIN_PORT']}", e["SMTP_MAILDIR_PLAIN"]
    if mode == "starttls":
        return (f"smtp+starttls://{e['SMTP_USER']}:{e['SMTP_PASSWORD']}@localhost:{e['SMTP_STARTTLS_PORT']}",
                e["SMTP_MAILDIR_STARTTLS"])
    return f"smtps://localhost:{e['SMTP_TLS_PORT']}", e["SMTP_MAILDIR_TLS"]


def start_server(mode, config=None):
    peers_or_skip()
    for var in ("SMTP_PLAIN_PORT", "SMTP_TLS_PORT", "SMTP_MAILDIR_PLAIN", "SMTP_MAILDIR_TLS"):
        if not os.environ.get(var):
            pytest.fail(f"{var} is not set; start the peers with scripts/peers/smtp.sh")
    url, maildir = relay_url(mode)
    server = Server()
    if config:
        with open(server.config, "w") as f:
            json.dump(config, f)
    server.env.update(SEALDROP_SMTP_URL=url, SEALDROP_TRUST_CA=os.environ["SMTP_CA_FILE"], SEALDROP_MAIL_FROM="sealdrop@example.org")
    return server.start(), maildir


def assert_well_formed(raw, parsed):
    """RFC 5322 / MIME shape every Sealdrop mail has, checked on the relay's bytes."""
    head, _, _ = raw.partition(b"\r\n\r\n")
    # The relay prepends X-MailFrom/X-RcptTo/X-MailOptions; every other header is ours.
    names = [line.split(b":", 1)[0].decode().lower() for line in head.split(b"\r\n") if line and line[:1] not in (b" ", b"\t")]
    ours = [n for n in names if not n.startswith("x-")]
    for single in ("from", "to", "subject", "date", "message-id", "mime-version", "content-type"):
        assert ours.count(single) == 1, (single, ours)
    assert "bcc" not in ours and "cc" not in ours
    assert all(b < 0x80 for b in head), "headers must be 7-bit (RFC 2047 words for UTF-8)"
    assert all(len(line) <= 78 for line in raw.split(b"\r\n")), "a line is longer than 78 characters"
    assert parsed.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in parsed.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parsed.iter_parts())
    assert parsed["From"].addresses[0].addr_spec == "sealdrop@example.org"
    assert re.fullmatch(r"<[A-Za-z0-9]+@127\.0\.0\.1>", parsed["Message-ID"])


@pytest.mark.parametrize("mode", ["plain", "starttls", "tls"])
def test_transfer_mail_through_each_transport_with_utf8_and_hostile_fields(mode):
    server, maildir = start_server(mode)
    tag = uuid.uuid4().hex[:10]
    sender = f"sender-{tag}@example.org"
    bob, carol, evil = f"bob-{tag}@example.net", f"carol-{tag}@example.com", f"evil-{tag}@example.net"
    try:
        client = Client(server.base)
        client.obtain_client_id()
        verify_via_relay(client, maildir, sender)
        subject = f"Grüße aus Köln 📎\r\nBcc: {evil}"
        name = f"Jürgen Müller\r\nBcc: {evil}"
        body = f"Hallo Bob,\r\n.\r\nBcc: {evil}\r\n\r\n<script>alert(1)</script>\r\nÜbersicht anbei."
        files = (("Übersicht 2026.pdf", b"%PDF-1.7 eins"), (f"x\r\nBcc: {evil}.pdf", b"zwei"), ("<img src=x>.txt", b"drei"))
        tracking, accepted = provide(client, sender, [bob], [carol], name=name, subject=subject, body=body, files=files)
        status = client.get(f"/api/users/{sender}/transfers/{tracking}").json()["data"]["status"]
        ids = {r["mail"]: r["id"] for r in status["recipients"]}

        for rcpt in (bob, carol):
            raw, mail = wait_for(maildir, rcpt)[0]
            assert_well_formed(raw, mail)
            assert mail["To"].addresses[0].addr_spec == rcpt
            assert mail["X-MailFrom"] == "sealdrop@example.org"
            # CR/LF in the subject cannot start a header: the API turns them into spaces, the rest is encoded words.
            assert "\r" not in str(mail["Subject"]) and "\n" not in str(mail["Subject"])
            assert squash(str(mail["Subject"])) == squash(subject)
            text, html = text_of(mail), html_of(mail)
            assert "Jürgen Müller" in text and f"{server.base}/download?id={ids[rcpt]}" in text
            assert "<script>alert(1)</script>" in text and "Übersicht anbei." in text
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
            assert "Übersicht 2026.pdf" in text and "Übersicht 2026.pdf" in html
            assert "&lt;img src=x&gt;.txt" in html and "<img src=x>" not in html
            assert PASSWORD not in text and PASSWORD not in html
        wait_for(maildir, sender, 2)
        raw, summary = next((r, m) for r, m in relay_messages(maildir, sender) if tracking in str(m["Subject"]))
        assert_well_formed(raw, summary)
        assert bob in text_of(summary) and carol in text_of(summary) and "Jürgen" not in str(summary["Subject"])
        # Give the outbox a moment for anything it might still send, then check nobody else got mail.
        time.sleep(1)
        assert relay_messages(maildir, evil) == []
        assert len(relay_messages(maildir, bob)) == 1 and len(relay_messages(maildir, carol)) == 1
        print(f"{mode}: file names accepted: {accepted}")
    finally:
        server.stop()
    assert os.environ["SMTP_PASSWORD"] not in server.read_log()


def test_sender_name_cannot_inject_headers_through_the_fallback_subject():
    """With no subject the recipient mail is titled after the sender: a hostile name must stay one header."""
    server, maildir = start_server("plain")
    tag = uuid.uuid4().hex[:10]
    sender, bob, evil = f"sender-{tag}@example.org", f"bob-{tag}@example.net", f"evil-{tag}@example.net"
    try:
        client = Client(server.base)
        client.obtain_client_id()
        verify_via_relay(client, maildir, sender)
        provide(client, sender, [bob], name=f"Eve\r\nBcc: {evil}\r\n\r\nfake body")
        raw, mail = wait_for(maildir, bob)[0]
        assert_well_formed(raw, mail)
        assert "\r" not in str(mail["Subject"]) and "\n" not in str(mail["Subject"])
        assert squash(str(mail["Subject"])) == f"Files from Eve Bcc: {evil} fake body <{sender}>"
        time.sleep(1)
        assert relay_messages(maildir, evil) == []
    finally:
        server.stop()


def test_greylisting_relay_and_one_rejected_recipient_of_several():
    """451 then 250 for one recipient: delivered once after a retry. 550 for another: never delivered, marked
    failed with the relay's reply, and shown as notificationFailed; the third recipient is unaffected."""
    server, maildir = start_server("plain", config={"outboxFirstRetrySeconds": 0.5})
    tag = uuid.uuid4().hex[:10]
    sender = f"sender-{tag}@example.org"
    grey, rejected, fine = f"tempfail-{tag}@example.net", f"reject-{tag}@example.net", f"ok-{tag}@example.net"
    try:
        client = Client(server.base)
        client.obtain_client_id()
        verify_via_relay(client, maildir, sender)
        tracking, _ = provide(client, sender, [grey, rejected, fine], subject="Drill")
        wait_for(maildir, fine)
        wait_for(maildir, grey)
        deadline = time.time() + 30
        flags = {}
        while time.time() < deadline:
            status = client.get(f"/api/users/{sender}/transfers/{tracking}").json()["data"]["status"]
            flags = {r["mail"]: r["notificationFailed"] for r in status["recipients"]}
            if flags.get(rejected):
                break
            time.sleep(0.2)
        assert flags == {grey: False, rejected: True, fine: False}
        assert status["sender"]["notificationFailed"] is False
        time.sleep(2)  # later polls must not send anything again
        assert len(relay_messages(maildir, grey)) == 1
        assert len(relay_messages(maildir, fine)) == 1
        assert relay_messages(maildir, rejected) == []
        log = server.read_log()
        assert "outbox.retry" in log and "451" in log
    finally:
        server.stop()
    db = sqlite3.connect(os.path.join(server.data, "sealdrop.sqlite"))
    rows = {json.loads(to)[0]: (state, attempts, error) for to, state, attempts, error in
            db.execute("SELECT envelope_to_json, state, attempts, last_error FROM outbox WHERE kind = 'recipient-notification'")}
    db.close()
    assert rows[grey][:2] == ("SENT", 2)
    assert rows[fine][:2] == ("SENT", 1)
    assert rows[rejected][0] == "FAILED" and "550" in rows[rejected][2]
