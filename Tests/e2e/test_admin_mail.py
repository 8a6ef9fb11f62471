"""The admin mail server page against a real relay (aiosmtpd from scripts/peers/smtp.sh): the relay and sender
address chosen at run time carry the next notification, the test mail shows the relay's own answer, and a wrong
password shows the relay's refusal. The password never appears in pages or the audit log."""
import os
import re
import sqlite3

import requests

from client import Client
from conftest import Server
from test_smtp_relay import peers_or_skip, wait_for_message

ADMIN_PASSWORD = "operator's long password"


class AdminSession:
    """A browser-like session on the admin listener: cookies, CSRF tokens from the pages, form posts."""

    def __init__(self, server):
        self.base = f"http://127.0.0.1:{server.admin}"
        self.http = requests.Session()
        self.csrf = None

    def keep_cookies(self, response):
        # The cookies are Secure; browsers send them to http://127.0.0.1, `requests` does not, so keep them by hand.
        for cookie in response.cookies:
            self.http.cookies.set(cookie.name, cookie.value, domain="", path="/")

    def get(self, path):
        r = self.http.get(self.base + path, timeout=30)
        self.keep_cookies(r)
        found = re.search(r'name="csrf" value="([^"]+)"', r.text)
        if found:
            self.csrf = found.group(1)
        return r

    def post(self, path, fields):
        r = self.http.post(self.base + path, data={"csrf": self.csrf, **fields}, timeout=60, allow_redirects=False)
        self.keep_cookies(r)
        return r

    def login(self, name, password):
        self.get("/login")
        r = self.post("/login", {"name": name, "password": password, "next": "/admin"})
        assert r.status_code == 303, r.text[:500]
        self.get("/admin")


def test_relay_and_sender_address_changed_in_the_admin_pages_apply_at_once():
    peers_or_skip()
    e = os.environ
    server = Server()
    server.env.update(SEALDROP_ADMIN_PASSWORD=ADMIN_PASSWORD, SEALDROP_TRUST_CA=e["SMTP_CA_FILE"])
    server.start()
    server.wait_for_log("admin.bootstrap")
    secret = e["SMTP_PASSWORD"]
    try:
        admin = AdminSession(server)
        admin.login("admin", ADMIN_PASSWORD)
        page = admin.get("/admin/settings/mail")
        assert 'id="relay-in-use">capture:' in page.text

        r = admin.post("/admin/settings/mail", {"mail.security": "smtp+starttls", "mail.host": "localhost", "mail.port": e["SMTP_STARTTLS_PORT"],
                                                "mail.username": e["SMTP_USER"], "mail.password": secret, "mail.from": "notify@relay-test.example"})
        assert r.status_code == 303, r.text[:800]
        page = admin.get("/admin/settings/mail")
        assert f"smtp+starttls://{e['SMTP_USER']}:***@localhost:{e['SMTP_STARTTLS_PORT']}" in page.text
        assert secret not in page.text

        # The test mail goes through the new relay and shows its answer.
        probe = "admin-probe-%d@example.org" % os.getpid()
        result = admin.post("/admin/mail/test", {"to": probe})
        assert result.status_code == 200
        answer = re.search(r'id="test-result">([^<]*)<', result.text).group(1)
        assert answer.startswith("The relay answered: 250"), answer
        mail = wait_for_message(e["SMTP_MAILDIR_STARTTLS"], probe)
        assert mail["From"].addresses[0].addr_spec == "notify@relay-test.example"

        # The next notification uses relay and sender address without a restart.
        sender = "mailpage-sender-%d@example.org" % os.getpid()
        client = Client(server.base)
        client.obtain_client_id()
        assert client.post(f"/api/users/{sender}/verification/code/email").status_code == 200
        mail = wait_for_message(e["SMTP_MAILDIR_STARTTLS"], sender)
        assert mail["From"].addresses[0].addr_spec == "notify@relay-test.example"
        assert server.mails() == []

        # Saving again with an empty password keeps the stored one; a wrong one shows the relay's refusal.
        assert admin.post("/admin/settings/mail", {"mail.security": "smtp+starttls", "mail.host": "localhost", "mail.port": e["SMTP_STARTTLS_PORT"],
                                                   "mail.username": e["SMTP_USER"], "mail.password": "", "mail.from": "notify@relay-test.example"}).status_code == 303
        answer = re.search(r'id="test-result">([^<]*)<', admin.post("/admin/mail/test", {"to": probe}).text).group(1)
        assert "250" in answer, answer
        assert admin.post("/admin/settings/mail", {"mail.security": "smtp+starttls", "mail.host": "localhost", "mail.port": e["SMTP_STARTTLS_PORT"],
                                                   "mail.username": e["SMTP_USER"], "mail.password": "wrong-" + secret, "mail.from": ""}).status_code == 303
        answer = re.search(r'id="test-result">([^<]*)<', admin.post("/admin/mail/test", {"to": probe}).text).group(1)
        assert "535" in answer, answer

        bad = admin.post("/admin/settings/mail", {"mail.security": "smtps", "mail.host": "bad host name", "mail.port": "70000", "mail.from": "nope"})
        assert bad.status_code == 400
        for field in ("host", "port", "from"):
            assert f'id="f-mail-{field}-error"' in bad.text, field
        assert secret not in admin.get("/admin/audit").text
    finally:
        server.stop()
    db = sqlite3.connect(server.data + "/sealdrop.sqlite")
    rows = db.execute("SELECT coalesce(old_value, '') || coalesce(new_value, '') FROM audit_log").fetchall()
    settings = db.execute("SELECT json FROM runtime_settings").fetchone()[0]
    db.close()
    assert rows and not any(secret in row[0] for row in rows)
    # The relay password is sealed with the server key, not stored in plaintext.
    assert secret not in settings and "sealedSecrets" in settings
