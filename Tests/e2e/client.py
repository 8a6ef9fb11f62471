"""A small REST client for the Cryptshare-compatible API, used by the end-to-end tests."""
import email
import email.policy
import re

import requests


class Client:
    """Sends the standard X-CS headers; keeps the client id and the verification token."""

    def __init__(self, base):
        self.base = base
        self.session = requests.Session()
        self.client_id = None
        self.token = None

    def headers(self, extra=None):
        h = {"X-CS-MajorApiVersion": "1", "X-CS-MinimumMinorApiVersion": "10", "X-CS-ProductKey": "api.rest"}
        if self.client_id:
            h["X-CS-ClientId"] = self.client_id
        if self.token:
            h["X-CS-VerificationToken"] = self.token
        if extra:
            h.update(extra)
        return h

    def request(self, method, path, **kw):
        headers = self.headers(kw.pop("headers", None))
        return self.session.request(method, self.base + path, headers=headers, timeout=kw.pop("timeout", 120), **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def obtain_client_id(self):
        r = self.get("/api/clients")
        assert r.status_code == 200, r.text
        self.client_id = r.json()["data"]["clientId"]
        return self.client_id


def mail_text(path):
    """The decoded plain-text body and the subject of a captured mail."""
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    return str(msg["Subject"]), msg.get_body(preferencelist=("plain",)).get_content()


def verify_sender(client, server, address):
    """Runs the email verification flow with the code read from the captured mail."""
    before = len([m for m in server.mails() if m.endswith("-verification-code.eml")])
    r = client.post(f"/api/users/{address}/verification/code/email")
    assert r.status_code == 200, r.text
    path = server.wait_for_mail("verification-code", count=before + 1)[-1]
    _, body = mail_text(path)
    code = re.search(r"\b([A-Z0-9]{10})\b", body).group(1)
    r = client.post(f"/api/users/{address}/verification/token", json={"verificationCode": code})
    assert r.status_code == 200, r.text
    client.token = r.json()["data"]["token"]
    return client.token
