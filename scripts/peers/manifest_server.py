#!/usr/bin/env python3
"""An HTTPS server of signed Sealdrop release manifests, one scenario per path (stdlib only).

Started by scripts/peers/manifest.sh. At start it writes the manifests into --dir and signs them with
`openssl pkeyutl -sign -rawin` (Ed25519 over the exact bytes, base64 in `manifest.json.sig`), then serves:

  /newer/manifest.json(.sig)          issued 2026-12-01, offers 1.3.0 (fix) and 1.4.0 (security)
  /same/manifest.json(.sig)           issued 2026-12-01, offers 1.3.0 only
  /old/manifest.json(.sig)            issued 2026-11-01 (before /newer), offers 1.3.0: a replay once /newer was accepted
  /badsig/manifest.json(.sig)         the /newer manifest with the signature of other bytes
  /nosig/manifest.json                signed nowhere: its .sig answers 404
  /garbage/manifest.json(.sig)        not JSON, correctly signed
  /oversize/manifest.json(.sig)       1.5 MB with a Content-Length
  /oversize-chunked/manifest.json     1.5 MB without a Content-Length (the connection closes at the end)
  /redirect-same/manifest.json(.sig)  302 to /newer/… on this host and port: must be followed
  /redirect-other/manifest.json(.sig) 302 to https://localhost:PORT/newer/… (another host): must be refused
  /redirect-loop/manifest.json        302 to itself
Anything else is 404. Every request is logged to stderr.
"""
import argparse
import base64
import http.server
import json
import os
import ssl
import subprocess
import sys

OVERSIZE = 1_572_864


def release(version, severity):
    return {"version": version, "released": "2026-11-30T09:00:00Z", "severity": severity,
            "notes": f"https://sealdrop.example/releases/{version}"}


def write_signed(directory, name, body, key, sign_bytes=None):
    """Writes DIR/NAME/manifest.json and, signed over sign_bytes (default: the body), its .sig."""
    folder = os.path.join(directory, name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "manifest.json")
    with open(path, "wb") as f:
        f.write(body)
    if key is None:
        return
    source = path
    if sign_bytes is not None:
        source = os.path.join(folder, "signed-instead")
        with open(source, "wb") as f:
            f.write(sign_bytes)
    raw = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", source],
                         check=True, capture_output=True).stdout
    assert len(raw) == 64, "an Ed25519 signature is 64 bytes"
    with open(path + ".sig", "wb") as f:
        f.write(base64.b64encode(raw) + b"\n")


def build(directory, key):
    newer = json.dumps({"issuedAt": "2026-12-01T10:00:00Z",
                        "versions": [release("1.3.0", "fix"), release("1.4.0", "security")]}, indent=2).encode()
    write_signed(directory, "newer", newer, key)
    write_signed(directory, "same", json.dumps({"issuedAt": "2026-12-01T10:00:00Z",
                                                "versions": [release("1.3.0", "fix")]}).encode(), key)
    write_signed(directory, "old", json.dumps({"issuedAt": "2026-11-01T10:00:00Z",
                                               "versions": [release("1.3.0", "fix")]}).encode(), key)
    write_signed(directory, "badsig", newer, key, sign_bytes=newer.replace(b"security", b"feature"))
    write_signed(directory, "nosig", newer, None)
    write_signed(directory, "garbage", b'{"issuedAt": "2026-12-01T10:00:00Z", "versions": [', key)
    big = json.dumps({"issuedAt": "2026-12-01T10:00:00Z", "versions": [], "padding": "x" * OVERSIZE}).encode()
    write_signed(directory, "oversize", big, key)


class Handler(http.server.BaseHTTPRequestHandler):
    directory = "."
    port = 0

    def log_message(self, fmt, *args):
        sys.stderr.write("manifest peer: " + (fmt % args) + "\n")

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        parts = path.strip("/").split("/")
        if len(parts) != 2 or parts[1] not in ("manifest.json", "manifest.json.sig"):
            return self.send_error(404)
        scenario, file = parts
        if scenario == "redirect-same":
            return self.redirect(f"/newer/{file}")
        if scenario == "redirect-other":
            return self.redirect(f"https://localhost:{self.port}/newer/{file}")
        if scenario == "redirect-loop":
            return self.redirect(path)
        if scenario == "oversize-chunked" and file == "manifest.json":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            # No length: the body would end when the connection closes. It never ends (up to 256 MB), so the client
            # must stop it by its own limit; a short body would race the close with the client's count.
            chunk = b"x" * 65536
            sent = 0
            try:
                while sent < 256 * 1024 * 1024:
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                pass
            self.close_connection = True
            return
        file_path = os.path.join(self.directory, scenario, file)
        if not os.path.isfile(file_path) or "/" in scenario or scenario.startswith("."):
            return self.send_error(404)
        with open(file_path, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if file.endswith(".json") else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--signing-key", required=True)
    args = parser.parse_args()
    build(args.dir, args.signing_key)
    Handler.directory = args.dir
    Handler.port = args.port
    server = http.server.ThreadingHTTPServer((args.host, args.port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    # The handshake happens in the request thread, so a silent client cannot stall the others.
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    server.serve_forever()


if __name__ == "__main__":
    main()
