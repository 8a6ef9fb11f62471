#!/usr/bin/env python3
"""One aiosmtpd peer for the SMTPClient real-peer tests (started by scripts/peers/smtp.sh).

Every accepted message is stored byte-for-byte in a Maildir (``new/``) with two headers
prepended, ``X-MailFrom`` and ``X-RcptTo`` (the envelope), so tests can assert on exactly
what the client sent after the server has undone the dot-stuffing.

Modes:
  plain            no TLS; AUTH (PLAIN, LOGIN) offered over plaintext but not required
  starttls         STARTTLS required before MAIL, AUTH required (only after TLS)
  starttls-opt     STARTTLS offered but optional; AUTH offered after TLS with LOGIN only
  tls              implicit TLS from the first byte (SMTPS)
  legacy           rejects EHLO with 502 (a HELO-only server, no ESMTP extensions)

Recipients whose address starts with ``reject`` get ``550 5.1.1``; those starting with ``tempfail``
get ``451 4.3.0`` the first time this peer sees them and are accepted afterwards (a greylisting relay).
"""
import argparse
import asyncio
import mailbox
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class MaildirHandler:
    """Stores raw message bytes plus the envelope; rejects selected recipients."""

    def __init__(self, maildir: str) -> None:
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        self.mailbox = mailbox.Maildir(maildir, create=False)
        self.tempfailed = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        if address.lower().startswith("tempfail") and address.lower() not in self.tempfailed:
            self.tempfailed.add(address.lower())
            return "451 4.3.0 <%s>: Greylisted, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        head = "X-MailFrom: %s\r\nX-RcptTo: %s\r\nX-MailOptions: %s\r\n" % (
            envelope.mail_from,
            ", ".join(envelope.rcpt_tos),
            " ".join(envelope.mail_options),
        )
        self.mailbox.add(head.encode("utf-8") + envelope.original_content)
        return "250 2.0.0 OK queued"


class Authenticator:
    """Accepts exactly one username/password pair."""

    def __init__(self, user: str, password: str) -> None:
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.login == self.user \
                and auth_data.password == self.password:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


class LegacySMTP(SMTP):
    """An SMTP server that only speaks RFC 821 HELO."""

    async def smtp_EHLO(self, hostname):
        await self.push("502 5.5.1 EHLO not implemented")


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", required=True,
                        choices=["plain", "starttls", "starttls-opt", "tls", "legacy"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--size", type=int, default=1048576)
    args = parser.parse_args()

    handler = MaildirHandler(args.maildir)
    # Credentials come from the environment so they do not show up in `ps`.
    authenticator = Authenticator(os.environ.get("SMTP_USER", "sealdrop"),
                                  os.environ.get("SMTP_PASSWORD", "s3cret"))
    common = dict(data_size_limit=args.size, hostname="peer.sealdrop.test",
                  authenticator=authenticator)
    server_ssl = None
    if args.mode == "plain":
        kwargs = dict(enable_SMTPUTF8=True, auth_require_tls=False, **common)
    elif args.mode == "starttls":
        kwargs = dict(tls_context=tls_context(args.cert, args.key), require_starttls=True,
                      auth_required=True, auth_require_tls=True, **common)
    elif args.mode == "starttls-opt":
        kwargs = dict(tls_context=tls_context(args.cert, args.key), require_starttls=False,
                      auth_require_tls=True, auth_exclude_mechanism=["PLAIN"], **common)
    elif args.mode == "tls":
        server_ssl = tls_context(args.cert, args.key)
        kwargs = dict(enable_SMTPUTF8=True, **common)
    else:
        kwargs = dict(**common)

    factory_class = LegacySMTP if args.mode == "legacy" else SMTP
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: factory_class(handler, **kwargs),
                                      host=args.host, port=args.port, ssl=server_ssl)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("smtp_server %s listening on %s:%d" % (args.mode, args.host, args.port), flush=True)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
