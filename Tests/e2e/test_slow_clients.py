"""Slow clients (slowloris): a request head or body that trickles in is cut off; other clients are served."""
import re
import socket
import time

import requests

from conftest import Server


def trickle_until_closed(port, first, then, interval=0.25, give_up=60):
    """Sends `first`, then one byte of `then` every `interval` s; returns seconds until the server closed."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(first)
    start = time.time()
    try:
        for i in range(len(then)):
            if time.time() - start > give_up:
                return None
            s.sendall(then[i:i + 1])
            time.sleep(interval)
            s.setblocking(False)
            try:
                if s.recv(4096) == b"":
                    return time.time() - start
            except BlockingIOError:
                pass
            except (ConnectionResetError, BrokenPipeError):
                return time.time() - start
            finally:
                s.setblocking(True)
    except (ConnectionResetError, BrokenPipeError):
        return time.time() - start
    finally:
        s.close()
    return None


def test_trickling_head_and_body_are_cut_off_and_others_are_served():
    server = Server()
    server.env.update(SEALDROP_REQUEST_HEADER_TIMEOUT="2", SEALDROP_REQUEST_BODY_TIMEOUT="2")
    server.start()
    try:
        head = b"GET /api/status HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 400 + b"\r\n\r\n"
        cut = trickle_until_closed(server.http, b"", head)
        assert cut is not None, "a trickled request head was never cut off"
        body_head = (b"PUT /api/users/a@example.org/transfer-sessions/x/files/y/content HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 1000000\r\n\r\n")
        cut_body = trickle_until_closed(server.http, body_head, b"b" * 400)
        assert cut_body is not None, "a trickled request body was never cut off"
        # A normal client is served meanwhile and afterwards.
        assert requests.get(server.base + "/api/status", timeout=10).status_code == 200
        # A keep-alive connection that sends its next request in time is not affected.
        with requests.Session() as session:
            for _ in range(3):
                assert session.get(server.base + "/api/status", timeout=10).status_code == 200
                time.sleep(0.5)
    finally:
        server.stop()


def test_bad_timeout_values_name_the_key():
    import subprocess
    server = Server()
    for key, value in (("SEALDROP_REQUEST_HEADER_TIMEOUT", "soon"), ("SEALDROP_REQUEST_BODY_TIMEOUT", "99999")):
        env = dict(server.env, **{key: value})
        out = subprocess.run([server.binary, "serve", "--config", server.config], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode != 0
        assert key in out.stderr


def test_expect_100_continue_is_answered_before_the_body():
    """curl and other clients wait for `100 Continue` before sending a body; without it each upload stalls."""
    server = Server().start()
    try:
        client_id = requests.get(server.base + "/api/clients", headers={"X-CS-MajorApiVersion": "1", "X-CS-MinimumMinorApiVersion": "13"},
                                 timeout=10).json()["data"]["clientId"]
        s = socket.create_connection(("127.0.0.1", server.http), timeout=20)
        s.sendall(b"POST /api/password HTTP/1.1\r\nHost: x\r\nX-CS-MajorApiVersion: 1\r\nX-CS-MinimumMinorApiVersion: 13\r\n"
                  b"X-CS-ClientId: " + client_id.encode() + b"\r\n"
                  b"Content-Type: application/json\r\nContent-Length: 20\r\nExpect: 100-continue\r\n\r\n")
        received = s.recv(4096)
        assert received.startswith(b"HTTP/1.1 100 Continue\r\n"), received
        s.sendall(b'{"password": "abc1"}')
        # The final answer may already have come with the 100 (the server can answer before reading the body).
        while re.search(rb"\r\n\r\nHTTP/1\.1 [2-5]\d\d ", received) is None:
            chunk = s.recv(4096)
            assert chunk, received
            received += chunk
        # With a client id the answer needs the body: it is the password check's result.
        assert b"HTTP/1.1 200 " in received and b'"valid"' in received, received
        s.close()
    finally:
        server.stop()


def test_a_reader_that_stops_reading_is_cut_off_and_frees_its_segment():
    """A download whose client stops reading keeps a decrypted segment of the shared budget; the server closes
    it once its send buffer stayed full for the body timeout, so a few stalled readers cannot stall everyone."""
    from test_browser_retrieve import PASSWORD, provide

    server = Server()
    server.env.update(SEALDROP_REQUEST_BODY_TIMEOUT="2")
    server.start()
    try:
        size = 48 * 1024 * 1024
        client, _, link = provide(server, {"big.bin": b"\x5a" * size})
        transfer_id = re.search(r"id=([A-Za-z0-9]+)", link).group(1)
        listing = client.get(f"/api/transfers/{transfer_id}/files", headers={"X-CS-Password": PASSWORD})
        assert listing.status_code == 200, listing.text
        file_id = listing.json()["data"][0]["id"] if isinstance(listing.json()["data"], list) else listing.json()["data"]["files"][0]["id"]
        headers = client.headers({"X-CS-Password": PASSWORD, "Host": "x"})
        request = f"GET /api/transfers/{transfer_id}/files/{file_id} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        stalled = []
        for _ in range(12):  # more than the 8 segments of the download budget
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect(("127.0.0.1", server.http))
            s.sendall(request.encode())
            stalled.append(s)
        # Meanwhile (and while the stalled ones still hold their segments) a normal download completes.
        started = time.time()
        r = client.get(f"/api/transfers/{transfer_id}/files/{file_id}", headers={"X-CS-Password": PASSWORD}, timeout=120)
        assert r.status_code == 200 and len(r.content) == size
        time.sleep(max(0, 6 - (time.time() - started)))
        # Now read what the stalled connections got: each must end early (closed by the server).
        for s in stalled:
            s.settimeout(10)
            received = 0
            try:
                while True:
                    data = s.recv(1 << 20)
                    if not data:
                        break
                    received += len(data)
            except (ConnectionResetError, socket.timeout):
                pass
            finally:
                s.close()
            assert received < size, f"a stalled reader got the whole file ({received} bytes): never cut off"
        assert requests.get(server.base + "/api/status", timeout=10).status_code == 200
    finally:
        server.stop()
