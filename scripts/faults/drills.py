#!/usr/bin/env python3
"""Fault drills against the real `sealdrop serve` (entry point: scripts/faults/run).

Each drill is one function `drill_*(ctx)` that starts its own server(s) on loopback, breaks something on purpose
and checks what the server promises afterwards. A drill records figures with `ctx.note(...)` and verdicts with
`ctx.check(condition, text)`; any failed check, or an exception, fails the drill. Everything a drill starts
(processes, mounts, temp dirs) is registered with `ctx.resources` and torn down even when it fails.

Environment:
  SEALDROP_BIN                      server binary (default: .build/debug/sealdrop in the repository)
  SEALDROP_REQUEST_HEADER_TIMEOUT   seconds the server allows for a complete request head (slow-client drill;
                                    default here 5, passed to the server under test)
  SEALDROP_REQUEST_BODY_TIMEOUT     seconds in which a request body must make progress (see drill_slow_clients;
                                    default here 5, passed to the server under test)
"""
import argparse
import collections
import hashlib
import multiprocessing
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (MiB, DrillError, FaultServer, Prober, Relay, Resources, capture_code_reader,  # noqa: E402
                     download_all, error_of, file_states, start_rename_killer, finalize, fmt_latency, free_bytes, make_tempdir,
                     cpu_seconds, mount_small_fs, new_client, new_session, random_client_id, relay_code_reader, server_binary,
                     storm_worker, transfer_ids, upload, verify_sender, wait_until)
import archive_drills  # noqa: E402
import backup_drills  # noqa: E402

import requests  # noqa: E402

SENDER = "fault-sender@example.org"
PASSWORD = "Fault!Dr1ll#Q7x"


class Context:
    """What a drill gets: clean-up stack, notes/checks, and a factory for servers."""

    def __init__(self, keep):
        self.resources = Resources()
        self.keep = keep
        self.notes = []
        self.failed = []

    def note(self, text):
        self.notes.append(text)

    def check(self, ok, text):
        self.notes.append(("ok: " if ok else "FAILED: ") + text)
        if not ok:
            self.failed.append(text)
        return ok

    def server(self, settings=None, config=None, env=None):
        return FaultServer(self.resources, settings=settings, config=config, env=env, keep=self.keep)


def pattern(size, seed=b"sealdrop-fault-drill"):
    """Deterministic content: 1 MiB blocks of a seeded hash stream. Returns (block generator factory, sha256)."""
    block = hashlib.sha256(seed).digest() * (MiB // 32)
    h = hashlib.sha256()
    full, rest = divmod(size, MiB)
    for _ in range(full):
        h.update(block)
    h.update(block[:rest])

    def chunks(delay_after=None, delay=0.0, sent=None):
        for i in range(full):
            if delay_after is not None and i >= delay_after:
                time.sleep(delay)
            if sent is not None:
                sent[0] += MiB
            yield block
        if rest:
            yield block[:rest]
    return chunks, h.hexdigest()


def verified_sender(server, read_code=None):
    client = new_client(server.base)
    verify_sender(client, SENDER, read_code or capture_code_reader(server))
    return client


# =================================================================================================== 1


def drill_kill9_mid_upload(ctx):
    """kill -9 while a 48 MiB upload is streaming; after the restart's recovery there is no temp file and no blob,
    the file is not UPLOADED (finalize refused, nothing downloadable), and re-uploading + finalize + download work.
    Then 7 kills around the end of 8 MiB uploads (0/5/20/80 ms after the last byte, and three times the instant the
    server renames the finished temp file into store/blobs, via an inotify helper): afterwards a file is either UPLOADED with its one blob or not uploaded with no blob at all
    (no orphan), never a temp file, and every session can be finished and downloaded."""
    server = ctx.server()
    server.start()
    client = verified_sender(server)
    size = 48 * MiB
    chunks, digest = pattern(size)
    tracking, ids = new_session(client, SENDER, ["fault-recipient@example.net"], PASSWORD, {"big.bin": size})
    sent = [0]
    seen = {}

    def slow_upload():
        try:
            r = upload(client, SENDER, tracking, ids["big.bin"], chunks(delay_after=8, delay=0.2, sent=sent), timeout=120)
            seen["result"] = f"HTTP {r.status_code}"
        except requests.RequestException as error:
            seen["result"] = type(error).__name__

    thread = threading.Thread(target=slow_upload, daemon=True)
    thread.start()
    part = wait_until(lambda: sent[0] >= 10 * MiB and [p for p in server.store_files("tmp") if p.endswith(".part")], 60)
    if not part:
        raise DrillError(f"no .part file appeared while uploading (sent {sent[0] // MiB} MiB)")
    part_size = os.path.getsize(os.path.join(server.data, "store", part[0]))
    ctx.note(f"killed with {sent[0] // MiB} MiB of {size // MiB} MiB sent; temp file {part[0]} had {part_size / MiB:.1f} MiB")
    server.kill9()
    thread.join(timeout=120)
    ctx.note(f"client saw: {seen.get('result', 'no result')}")
    server.start()
    ctx.note(f"restart to ready: {server.starts[-1]:.2f}s")
    recovered = [line for line in server.read_log().splitlines() if "cleanup.recovered" in line]
    if recovered:
        ctx.note("recovery: " + recovered[-1].split("sealdrop:", 1)[-1].strip()[:120])
    client.session = requests.Session()
    ctx.check(server.store_files("tmp") == [], f"no temp file after recovery (store/tmp: {server.store_files('tmp')})")
    ctx.check(server.store_files("blobs") == [], f"no blob after recovery (store/blobs: {server.store_files('blobs')})")
    states = file_states(client, SENDER, tracking)
    ctx.check(states == {"big.bin": "INITIALIZED"}, f"file listed as not uploaded: {states}")
    r = finalize(client, SENDER, tracking)
    ctx.check(error_of(r) == (409, 2001), f"finalize with the partial file refused: {error_of(r)}")
    r = client.get(f"/api/users/{SENDER}/transfers/{tracking}")
    ctx.check(error_of(r) == (404, 2003), f"no transfer exists, nothing downloadable: {error_of(r)}")
    # The session continues: upload whole, finalize, download.
    began = time.monotonic()
    r = upload(client, SENDER, tracking, ids["big.bin"], chunks())
    ctx.check(r.status_code == 200, f"re-upload: HTTP {r.status_code} in {time.monotonic() - began:.2f}s")
    r = finalize(client, SENDER, tracking)
    ctx.check(r.status_code == 201, f"finalize after re-upload: HTTP {r.status_code}")
    if r.status_code == 201:
        tid = transfer_ids(client, SENDER, tracking)["fault-recipient@example.net"]
        got = download_all(server.base, tid, PASSWORD)
        ctx.check(got == {"big.bin": digest}, "download matches the uploaded bytes (sha256)")
    blobs = server.store_files("blobs")
    ctx.check(len(blobs) == 1 and server.store_files("tmp") == [], f"exactly one blob, no temp file at the end: {blobs}")

    # Second part: kill right around the end of an upload: after the last byte at fixed delays, and the instant the
    # committed blob appears under store/blobs (the server renames it into place, then marks the file UPLOADED).
    size = 8 * MiB
    chunks, digest = pattern(size, seed=b"tail")
    rounds, problems = [], []
    killer_mode = "not used"
    points = [0.0, 0.005, 0.02, 0.08, "rename", "rename", "rename"]
    for i, point in enumerate(points):
        tracking, ids = new_session(client, SENDER, [f"tail-{i}@example.net"], PASSWORD, {"t.bin": size})
        done = threading.Event()
        seen = {}

        def body():
            yield from chunks()
            done.set()

        def send():
            try:
                seen["r"] = f"HTTP {upload(client, SENDER, tracking, ids['t.bin'], body(), timeout=60).status_code}"
            except requests.RequestException as error:
                seen["r"] = type(error).__name__

        killer = None
        if point == "rename":
            label = "at-rename"
            killer, how = start_rename_killer(ctx.resources, server.proc.pid, os.path.join(server.data, "store", "tmp"))
            killer_mode = how.replace("ready ", "").strip("()")
        thread = threading.Thread(target=send, daemon=True)
        thread.start()
        if killer:
            struck = wait_until(lambda: killer.poll() is not None or not thread.is_alive(), 60)
            if struck and killer.poll() is None:  # the kill ended the upload; the helper may still be exiting
                wait_until(lambda: killer.poll() is not None, 10)
            if killer.poll() is None:
                thread.join(60)
                raise DrillError(f"round {i + 1}: no file was renamed out of store/tmp while the upload ran (the upload "
                                 f"saw: {seen.get('r', 'nothing')}; server alive: {server.alive()})"
                                 + ("; has the server's commit changed? adapt the drill" if struck else ""))
        else:
            label = f"{point * 1000:.0f}ms"
            if not done.wait(60):
                raise DrillError("tail upload did not send its bytes within 60s")
            time.sleep(point)
        server.kill9()
        thread.join(60)
        server.start()
        client.session = requests.Session()
        state = file_states(client, SENDER, tracking)["t.bin"]
        blobs = [p for p in server.store_files("blobs") if tracking in p]
        tmp = server.store_files("tmp")
        rounds.append(f"{label}:{state}/{len(blobs)} blob/{seen.get('r', '?')}")
        if tmp:
            problems.append(f"{label}: temp files {tmp}")
        if state == "UPLOADED" and len(blobs) != 1:
            problems.append(f"{label}: UPLOADED but {len(blobs)} blobs")
        if state != "UPLOADED" and blobs:
            problems.append(f"{label}: orphan blob {blobs[0]} for a file in state {state}")
        if state != "UPLOADED":
            r = upload(client, SENDER, tracking, ids["t.bin"], chunks())
            if r.status_code != 200:
                problems.append(f"{label}: re-upload HTTP {r.status_code}")
        r = finalize(client, SENDER, tracking)
        if r.status_code != 201:
            problems.append(f"{label}: finalize HTTP {r.status_code}")
        elif download_all(server.base, transfer_ids(client, SENDER, tracking)[f"tail-{i}@example.net"], PASSWORD) != {"t.bin": digest}:
            problems.append(f"{label}: download differs")
    ctx.note(f"kills after the last byte, and at the rename into store/blobs (inotify helper, {killer_mode}) "
             "(point:state/blobs/client saw): " + " ".join(rounds))
    ctx.check(not problems, "kills around the end of an upload: no temp file, no orphan blob, every session finished"
              + (f"; problems: {problems}" if problems else ""))


# =================================================================================================== 2


def _notification_counts_capture(server, recipients):
    return {a: len(server.captured("recipient-notification", to=a)) for a in recipients}


def _kill_during_finalize_round(ctx, server, client, i, delay, label, count_for, relay=None):
    """One round: finalize, kill -9 after `delay`, restart, check all-or-nothing; returns (outcome, text, (tracking,
    recipients), problems). Notifications are counted once all rounds are done (later kills hit earlier mail too)."""
    recipients = [f"fin-{label}-{i}-a@example.net", f"fin-{label}-{i}-b@example.net"]
    tracking, ids = new_session(client, SENDER, recipients, PASSWORD, {"a.txt": 5})
    r = upload(client, SENDER, tracking, ids["a.txt"], b"12345")
    if r.status_code != 200:
        raise DrillError(f"upload: {r.status_code}")
    seen = {}

    def call():
        try:
            seen["r"] = f"HTTP {finalize(client, SENDER, tracking, timeout=60).status_code}"
        except requests.RequestException as error:
            seen["r"] = type(error).__name__

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    if isinstance(delay, str):  # "201+X": wait for the finalize answer, then X seconds (the mail hand-off)
        thread.join(timeout=120)
        time.sleep(float(delay.split("+")[1]))
    else:
        time.sleep(delay)
    server.kill9()
    thread.join(timeout=60)
    if relay is not None and not relay.listening():
        raise DrillError("relay went away")
    server.start()
    client.session = requests.Session()
    problems = []
    r = client.get(f"/api/users/{SENDER}/transfers/{tracking}")
    if r.status_code == 200:
        outcome = "complete"
        state = r.json()["data"]["status"]["state"]
        if state != "ACTIVE":
            problems.append(f"finalized transfer in state {state}")
        again = finalize(client, SENDER, tracking)
        if error_of(again)[0] != 404:
            problems.append(f"second finalize of a finalized transfer: {error_of(again)}")
    else:
        outcome = "absent"
        if error_of(r) != (404, 2003):
            problems.append(f"transfer lookup: {error_of(r)}")
        states = file_states(client, SENDER, tracking)
        if states != {"a.txt": "UPLOADED"}:
            problems.append(f"session after restart: {states}")
        if any(count_for(a) for a in recipients):
            problems.append("a recipient was notified of a transfer that does not exist")
        again = finalize(client, SENDER, tracking)
        if again.status_code != 201:
            problems.append(f"finalize after restart: {error_of(again)}")
    point = delay if isinstance(delay, str) else f"{delay:.2f}s"
    return outcome, f"{point}:{outcome}/{seen.get('r', '?')}", (tracking, recipients), problems


def drill_kill9_mid_finalize(ctx):
    """kill -9 at several points of finalize (spread over its measured duration; then right after its 201 and 0.3 s
    later, while the outbox hands the mails over),
    restart: the transfer is complete (ACTIVE, downloadable) and each recipient notified exactly once, or it is
    not there (session still open with its file, finalize again works, then notified exactly once). Done twice:
    with `capture:` mail (counting .eml files per recipient: exactly one notification was created) and through an
    SMTP relay (counting delivered messages per recipient: none lost; a second copy is allowed only as the same
    message, same Message-ID, handed over again because the kill fell between the relay's 250 and the outbox's
    record — SMTP's at-least-once; capture files are named by outbox id, so a re-delivery only overwrites)."""
    # Calibrate: how long does finalize take here (scrypt key wrap dominates)?
    server = ctx.server()
    server.start()
    client = verified_sender(server)
    tracking, ids = new_session(client, SENDER, ["calibrate@example.net"], PASSWORD, {"a.txt": 5})
    upload(client, SENDER, tracking, ids["a.txt"], b"12345")
    began = time.monotonic()
    r = finalize(client, SENDER, tracking)
    duration = time.monotonic() - began
    if r.status_code != 201:
        raise DrillError(f"calibration finalize: {r.status_code}")
    ctx.note(f"finalize takes {duration * 1000:.0f}ms here")
    delays = [0.0, duration * 0.3, duration * 0.6, duration * 0.9, duration * 1.1, "201+0.0", "201+0.3"]

    all_outcomes = collections.Counter()
    for label in ("capture", "relay"):
        relay = None
        if label == "relay":
            server.stop()
            relay = Relay(ctx.resources, make_tempdir(ctx.resources, "sealdrop-faults-relay-")).start()
            server = ctx.server(env={"SEALDROP_SMTP_URL": f"smtp://127.0.0.1:{relay.port}",
                                     "SEALDROP_MAIL_FROM": "sealdrop@example.org"},
                                config={"outboxFirstRetrySeconds": 0.5})
            server.start()
            client = verified_sender(server, relay_code_reader(relay))

            def count_for(a, relay=relay):
                return relay.count_to(a)
        else:
            def count_for(a, server=server):
                return len(server.captured("recipient-notification", to=a))
        rounds, problems, transfers = [], [], []
        for i, delay in enumerate(delays):
            outcome, text, transfer, found = _kill_during_finalize_round(ctx, server, client, i, delay, label, count_for, relay)
            all_outcomes[outcome] += 1
            rounds.append(text)
            transfers.append(transfer)
            problems += found
        # Wait for every recipient's first notification, then give the outbox more polls for a duplicate.
        everyone = [a for _, recipients in transfers for a in recipients]
        wait_until(lambda: all(count_for(a) >= 1 for a in everyone), 30, 0.1)
        time.sleep(1.5)
        counts = collections.Counter(count_for(a) for a in everyone)
        if label == "capture" and set(counts) != {1}:
            problems.append(f"notifications per recipient (count: recipients) {dict(counts)}: "
                            f"{[(a, count_for(a)) for a in everyone if count_for(a) != 1]}")
        if label == "relay":
            # SMTP hands a message over at least once (RFC 5321 6.1): a kill between the relay's 250 and the
            # outbox's record of it re-sends that same message after the restart. Two *different* notifications
            # (two Message-IDs) would mean the transfer was notified twice, which must never happen.
            resent = {a: relay.msgids_to(a) for a in everyone if count_for(a) > 1}
            if 0 in counts or any(len(set(ids)) != 1 for ids in resent.values()):
                problems.append(f"notifications per recipient (count: recipients) {dict(counts)}: {resent}")
            if resent:
                ctx.note(f"relay: {len(resent)} recipient(s) got the same message again after a kill between the "
                         f"relay's acceptance and the outbox's record (same Message-ID): {sorted(resent)}")
        for tracking, recipients in transfers:
            got = download_all(server.base, transfer_ids(client, SENDER, tracking)[recipients[0]], PASSWORD)
            if got != {"a.txt": hashlib.sha256(b"12345").hexdigest()}:
                problems.append(f"{tracking}: download differs")
        ctx.note(f"{label}: kill points (delay:outcome/what the finalize call saw): {' '.join(rounds)}")
        ctx.check(not problems, f"{label}: {len(delays)} kills, every transfer all-or-nothing and notified once per recipient"
                  + (" (a re-sent copy of the same message allowed)" if label == "relay" else "")
                  + (f"; problems: {problems}" if problems else ""))
    ctx.note(f"outcomes: {dict(all_outcomes)}")
    ctx.check(all_outcomes["complete"] > 0, "at least one kill landed after the commit (so both outcomes were exercised)")


# =================================================================================================== 3


def drill_relay_down(ctx):
    """SMTP relay down while a transfer to 3 recipients is finalized: finalize still answers 201, the mails wait in
    the outbox and are retried (outboxFirstRetrySeconds 0.5); once the relay is up every mail arrives exactly once.
    Then the same with a kill -9 of the server while the mails are queued."""
    work = make_tempdir(ctx.resources, "sealdrop-faults-relay-")
    relay = Relay(ctx.resources, work).start()
    server = ctx.server(env={"SEALDROP_SMTP_URL": f"smtp://127.0.0.1:{relay.port}", "SEALDROP_MAIL_FROM": "sealdrop@example.org"},
                        config={"outboxFirstRetrySeconds": 0.5})
    server.start()
    client = verified_sender(server, relay_code_reader(relay))

    for phase in ("down-up", "down-kill9-up"):
        relay.stop()
        if not wait_until(lambda: not relay.listening(), 10):
            raise DrillError("relay still listening after stop")
        recipients = [f"relay-{phase}-{n}@example.net" for n in range(3)]
        expected = recipients + [SENDER]  # recipient notifications + the upload summary
        before_sender = relay.count_to(SENDER)
        retries_before = server.log_count("outbox.retry")
        tracking, ids = new_session(client, SENDER, recipients, PASSWORD, {"r.txt": 3})
        upload(client, SENDER, tracking, ids["r.txt"], b"abc")
        began = time.monotonic()
        r = finalize(client, SENDER, tracking)
        ctx.check(r.status_code == 201, f"{phase}: finalize with the relay down: HTTP {r.status_code} in {time.monotonic() - began:.2f}s")
        retried = wait_until(lambda: server.log_count("outbox.retry") - retries_before >= 2 * len(expected), 30, 0.1)
        retries = server.log_count("outbox.retry") - retries_before
        queued = server.db_rows("SELECT count(*), max(attempts) FROM outbox WHERE tracking_id = ? AND state = 'QUEUED'", (tracking,))[0]
        ctx.check(bool(retried) and queued[0] == len(expected),
                  f"{phase}: relay down: {retries} retries logged, {queued[0]} mails queued (max attempts {queued[1]})")
        if phase == "down-kill9-up":
            server.kill9()
            relay.start()
            server.start()
        else:
            relay.start()
        up = time.monotonic()

        def delivered():
            return all(relay.count_to(a) >= 1 for a in recipients) and relay.count_to(SENDER) > before_sender
        ok = wait_until(delivered, 90, 0.1)
        took = time.monotonic() - up
        time.sleep(3)  # several more outbox polls: nothing may go out twice
        counts = {a: relay.count_to(a) for a in recipients}
        counts[SENDER] = relay.count_to(SENDER) - before_sender
        states = dict(server.db_rows("SELECT state, count(*) FROM outbox WHERE tracking_id = ? GROUP BY state", (tracking,)))
        ctx.check(bool(ok) and all(n == 1 for n in counts.values()) and states == {"SENT": len(expected)},
                  f"{phase}: after the relay came back: delivered in {took:.1f}s, per address {list(counts.values())} "
                  f"(3 recipients + upload summary), outbox states {states}")
    ctx.note(f"relay received {len(relay.messages())} messages in total")


# =================================================================================================== 4


def drill_disk_full(ctx):
    """Data dir on a 64 MiB file system; an upload bigger than the free space must get a clear error (status and
    errorCode), leave no temp file and no blob, give the space back, and the server keeps serving: /api/status
    and a small transfer (upload, finalize, download) still work."""
    server = ctx.server()
    kind = mount_small_fs(ctx.resources, server.data, 64)
    ctx.resources.push("stop the server before unmounting", server.stop)
    ctx.note(f"data dir on {kind}")
    server.start()
    client = verified_sender(server)
    free = free_bytes(server.data)
    size = free + 16 * MiB
    chunks, _ = pattern(size)
    tracking, ids = new_session(client, SENDER, ["full@example.net"], PASSWORD, {"huge.bin": size})
    began = time.monotonic()
    try:
        r = upload(client, SENDER, tracking, ids["huge.bin"], chunks())
        status, code = error_of(r)
        message = (r.json().get("errorMessage") if code else r.text[:80]) or ""
        seen = f"HTTP {status} errorCode {code} \"{message}\""
    except requests.RequestException as error:
        status, code, seen = None, None, f"no HTTP response ({type(error).__name__}: {str(error)[:120]})"
    ctx.note(f"free before {free / MiB:.1f} MiB, upload of {size / MiB:.1f} MiB")
    ctx.check(status is not None and status >= 400 and code is not None,
              f"client got a clear error after {time.monotonic() - began:.2f}s: {seen}")
    ctx.check(status == 507, f"status is 507 Insufficient Storage (got {status})")
    tmp_gone = wait_until(lambda: server.store_files("tmp") == [], 10)
    ctx.check(bool(tmp_gone), f"no temp file left (store/tmp: {server.store_files('tmp')})")
    ctx.check(server.store_files("blobs") == [], f"no blob for the failed upload (store/blobs: {server.store_files('blobs')})")
    after = free_bytes(server.data)
    ctx.check(after >= free - 2 * MiB, f"space given back: {after / MiB:.1f} MiB free (was {free / MiB:.1f})")
    ctx.check(server.alive(), "server process still running")
    r = requests.get(server.base + "/api/status", timeout=30)
    ctx.check(r.status_code == 200, f"/api/status after the failure: HTTP {r.status_code}")
    states = file_states(client, SENDER, tracking)
    ctx.check(states == {"huge.bin": "INITIALIZED"}, f"the failed file is not listed as uploaded: {states}")
    small_chunks, small_digest = pattern(256 * 1024, seed=b"small")
    tracking2, ids2 = new_session(client, SENDER, ["small@example.net"], PASSWORD, {"small.bin": 256 * 1024})
    r1 = upload(client, SENDER, tracking2, ids2["small.bin"], small_chunks())
    r2 = finalize(client, SENDER, tracking2)
    ok = r1.status_code == 200 and r2.status_code == 201
    if ok:
        got = download_all(server.base, transfer_ids(client, SENDER, tracking2)["small@example.net"], PASSWORD)
        ok = got == {"small.bin": small_digest}
    ctx.check(ok, f"a small transfer afterwards: upload HTTP {r1.status_code}, finalize HTTP {r2.status_code}, download {'matches' if ok else 'FAILED'}")


# =================================================================================================== 5


def drill_password_storm(ctx):
    """10,000 wrong passwords (32 concurrent, 1,000 client ids) against one recipient's transfer id, with download
    protection maxAttempts 10 / lock 60 min: at most 9 answers 401/3003, then 403/2005; one lock (one alert mail);
    afterwards even the right password gets 403/2005. Meanwhile a normal client (GET /api/status and /api/clients,
    every 10 ms) must keep succeeding with p99 within max(10 x its baseline p99, 50 ms), judged separately before
    and after the lock. The storm runs in its own process at nice 10 so it stands in for remote machines instead
    of taking the CPU from the server and the normal client."""
    max_attempts = 10
    server = ctx.server(settings={"downloadProtection": {"maxAttempts": max_attempts, "action": "lock", "lockMinutes": 60}})
    server.start()
    client = verified_sender(server)
    tracking, ids = new_session(client, SENDER, ["storm@example.net"], PASSWORD, {"s.txt": 4})
    upload(client, SENDER, tracking, ids["s.txt"], b"data")
    if finalize(client, SENDER, tracking).status_code != 201:
        raise DrillError("finalize failed")
    tid = transfer_ids(client, SENDER, tracking)["storm@example.net"]

    baseline = Prober(server.base).run(count=300).summary()
    ctx.note(f"baseline: {fmt_latency(baseline)}")
    total, concurrency = 10_000, 32
    client_ids = [random_client_id() for _ in range(1000)]
    mp = multiprocessing.get_context("spawn")
    queue = mp.Queue()
    worker = mp.Process(target=storm_worker, args=(server.base, tid, total, concurrency, client_ids, queue), daemon=True)
    ctx.resources.push("storm process", lambda: worker.is_alive() and (worker.kill(), worker.join(10)))
    cpu_before = cpu_seconds(server.proc.pid)
    worker.start()
    prober = Prober(server.base).run(until=lambda: not worker.is_alive() or not queue.empty(), pause=0.01)
    result = queue.get(timeout=600)
    worker.join(30)
    cpu = cpu_seconds(server.proc.pid) - cpu_before
    counts = result["counts"]
    storm = prober.summary(start=result["began"])
    locked_at = result["first"].get("403/2005")
    ctx.note(f"storm: {total} requests, {concurrency} concurrent, {len(client_ids)} client ids, in {result['seconds']:.1f}s "
             f"({total / result['seconds']:.0f}/s; server used {cpu:.1f}s CPU); answers {counts}")
    phases = [("whole storm", result["began"], None)]
    if locked_at:
        ctx.note(f"first 403/2005 (locked) {locked_at - result['began']:.1f}s into the storm")
        phases = [("before the lock", result["began"], locked_at), ("after the lock", locked_at, None)]
    ctx.note(f"normal client, whole storm: {fmt_latency(storm)}")
    for name, start, end in phases if len(phases) > 1 else []:
        ctx.note(f"normal client, {name}: {fmt_latency(prober.summary(start=start, end=end))}")
    evaluated = server.log_count("download.password.wrong")
    ctx.note(f"wrong passwords the server checked with scrypt: {evaluated}; lock events: {server.log_count('download.protection.locked')}")
    ctx.check(set(counts) <= {"401/3003", "403/2005", "429/2007"},
              f"storm got only wrong-password, locked or rate-limit answers: {sorted(counts)}")
    ctx.check(counts.get("401/3003", 0) <= max_attempts - 1,
              f"at most maxAttempts-1 = {max_attempts - 1} wrong-password answers before the lock: {counts.get('401/3003', 0)}")
    r = requests.get(f"{server.base}/api/transfers/{tid}", timeout=30,
                     headers={"X-CS-MajorApiVersion": "1", "X-CS-MinimumMinorApiVersion": "10",
                              "X-CS-ClientId": random_client_id(), "X-CS-Password": PASSWORD})
    ctx.check(error_of(r) == (403, 2005), f"transfer locked afterwards, the right password gets {error_of(r)}")
    alerts = wait_until(lambda: server.captured("download-protection"), 10) or []
    ctx.check(len(alerts) == 1, f"one lock, one download-protection alert to the sender: {len(alerts)} alert mails")
    ctx.check(storm["failures"] == 0 and storm["n"] >= 20,
              f"all {storm['n']} normal requests during the storm succeeded ({prober.failures[:3]})")
    limit = max(10 * baseline["p99"], 50.0)
    for name, start, end in phases:
        phase = prober.summary(start=start, end=end)
        if phase["n"]:
            ctx.check(phase["p99"] <= limit, f"normal client p99 {name} {phase['p99']:.1f}ms <= {limit:.1f}ms "
                      f"(max(10 x baseline p99 {baseline['p99']:.1f}ms, 50ms))")
    ctx.check(server.alive(), "server process still running")

# =================================================================================================== 6


def _env_seconds(name, default):
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        raise DrillError(f"{name} must be a number of seconds")


class Trickler:
    """Slow clients on raw sockets: each sends a request prefix at once, then one byte per `interval` forever.

    `head` connections trickle the request head (never ending it); `body` connections send a complete head
    with Content-Length 65536 and trickle the body. A connection counts as closed by the server when a read
    returns EOF/reset or a write fails; the moment is recorded per connection."""

    def __init__(self, port, head, body, interval=1.0):
        self.port = port
        self.interval = interval
        self.conns = []
        self.stop = threading.Event()
        client_id = random_client_id()
        for i in range(head + body):
            kind = "head" if i < head else "body"
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.setblocking(False)
            if kind == "head":
                prefix = b"GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
            else:
                prefix = (f"POST /api/users/slow{i}@example.org/verification/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          f"X-CS-MajorApiVersion: 1\r\nX-CS-MinimumMinorApiVersion: 10\r\nX-CS-ClientId: {client_id}\r\n"
                          f"Content-Type: application/json\r\nContent-Length: 65536\r\n\r\n"
                          '{"verificationCode":"').encode()
            s.sendall(prefix)
            self.conns.append({"sock": s, "kind": kind, "opened": time.monotonic(), "closed": None, "how": None})
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def open_count(self, kind=None):
        return sum(1 for c in self.conns if c["closed"] is None and (kind is None or c["kind"] == kind))

    def _closed(self, c, how):
        if c["closed"] is None:
            c["closed"] = time.monotonic()
            c["how"] = how
            c["sock"].close()

    def poll_reads(self):
        live = [c for c in self.conns if c["closed"] is None]
        if not live:
            return
        readable, _, _ = select.select([c["sock"] for c in live], [], [], 0)
        for c in live:
            if c["sock"] in readable:
                try:
                    data = c["sock"].recv(4096)
                    self._closed(c, f"response {data.split(b' ', 2)[1].decode()}" if data.startswith(b"HTTP/") else "EOF")
                except OSError:
                    self._closed(c, "reset")

    def loop(self):
        while not self.stop.is_set():
            for c in self.conns:
                if c["closed"] is None:
                    try:
                        c["sock"].send(b"a")
                    except BlockingIOError:
                        pass
                    except OSError:
                        self._closed(c, "write failed")
            deadline = time.monotonic() + self.interval
            while time.monotonic() < deadline and not self.stop.is_set():
                self.poll_reads()
                time.sleep(0.05)

    def close(self):
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(10)
        for c in self.conns:
            try:
                c["sock"].close()
            except OSError:
                pass


def drill_slow_clients(ctx):
    """200 slow clients (150 trickle the request head, 50 send a head and trickle the body, one byte per second)
    while a normal client keeps calling the API. The server must cut the slow connections: heads within
    SEALDROP_REQUEST_HEADER_TIMEOUT (default here 5 s), bodies within SEALDROP_REQUEST_BODY_TIMEOUT (5 s), each
    plus a generous grace (the timeout again + 5 s); both are passed to the server. The normal client must keep
    succeeding with p99 within max(10 x baseline p99, 50 ms)."""
    head_timeout = _env_seconds("SEALDROP_REQUEST_HEADER_TIMEOUT", 5)
    body_timeout = _env_seconds("SEALDROP_REQUEST_BODY_TIMEOUT", 5)
    server = ctx.server(env={"SEALDROP_REQUEST_HEADER_TIMEOUT": f"{head_timeout:g}",
                             "SEALDROP_REQUEST_BODY_TIMEOUT": f"{body_timeout:g}"})
    server.start()
    baseline = Prober(server.base).run(count=300).summary()
    ctx.note(f"baseline: {fmt_latency(baseline)}")
    heads, bodies = 150, 50
    trickler = Trickler(server.http, heads, bodies)
    ctx.resources.push("slow clients", trickler.close)
    started = time.monotonic()
    trickler.thread.start()
    fds_before = len(os.listdir(f"/proc/{server.proc.pid}/fd"))
    head_deadline = 2 * head_timeout + 5
    body_deadline = 2 * body_timeout + 5
    watch = max(head_deadline, body_deadline)
    prober = Prober(server.base).run(until=lambda: trickler.open_count() == 0 or time.monotonic() - started >= watch, pause=0.02)
    elapsed = time.monotonic() - started
    fds_during = len(os.listdir(f"/proc/{server.proc.pid}/fd"))
    trickler.stop.set()
    trickler.thread.join(10)
    during = prober.summary()

    def closed_within(kind, limit):
        times = sorted(c["closed"] - c["opened"] for c in trickler.conns if c["kind"] == kind and c["closed"] is not None)
        n = sum(1 for t in times if t <= limit)
        hows = collections.Counter(c["how"] for c in trickler.conns if c["kind"] == kind and c["closed"] is not None)
        span = f", closed after {times[0]:.1f}..{times[-1]:.1f}s ({dict(hows)})" if times else ""
        return n, span

    ctx.note(f"watched the slow clients for {elapsed:.1f}s (header timeout {head_timeout:g}s, body timeout {body_timeout:g}s); "
             f"server open fds {fds_before} after connecting, {fds_during} at the end")
    if trickler.open_count() == heads + bodies:
        ctx.note(f"the server closed none of the {heads + bodies} slow connections in {elapsed:.0f}s: it does not time out "
                 "trickling requests (SEALDROP_REQUEST_HEADER_TIMEOUT / SEALDROP_REQUEST_BODY_TIMEOUT not honoured)")
    n, span = closed_within("head", head_deadline)
    ctx.check(n == heads, f"head tricklers closed by the server within {head_deadline:g}s: {n}/{heads}{span}")
    n, span = closed_within("body", body_deadline)
    ctx.check(n == bodies, f"body tricklers closed by the server within {body_deadline:g}s: {n}/{bodies}{span}")
    ctx.note(f"during slow clients: {fmt_latency(during)}")
    limit = max(10 * baseline["p99"], 50.0)
    ctx.check(during["failures"] == 0 and during["n"] >= 20, f"all {during['n']} normal requests succeeded ({prober.failures[:3]})")
    ctx.check(during["p99"] <= limit, f"normal client p99 {during['p99']:.1f}ms <= {limit:.1f}ms (baseline p99 {baseline['p99']:.1f}ms)")
    trickler.close()
    ctx.check(server.alive(), "server process still running")


# =================================================================================================== runner


DRILLS = [
    ("kill9-mid-upload", drill_kill9_mid_upload),
    ("kill9-mid-finalize", drill_kill9_mid_finalize),
    ("smtp-relay-down", drill_relay_down),
    ("disk-full", drill_disk_full),
    ("password-storm", drill_password_storm),
    ("slow-clients", drill_slow_clients),
    ("archive-sshd-down", archive_drills.drill_archive_sshd_down),
    ("archive-kill9", archive_drills.drill_archive_kill9),
    ("archive-dir-full", archive_drills.drill_archive_dir_full),
    ("backup-under-load", backup_drills.drill_backup_under_load),
    ("backup-kill9", backup_drills.drill_backup_kill9),
]


def run_one(name, function, keep):
    ctx = Context(keep)
    began = time.monotonic()
    error = None
    try:
        function(ctx)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # a drill step could not be done: the drill fails, with what happened
        error = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, DrillError):
            error += " @ " + traceback.format_exc(limit=-2).strip().splitlines()[-3].strip()
    finally:
        if keep:
            kept = [d[len("server in "):] for d, _ in ctx.resources.actions if d.startswith("server in ")]
            ctx.note("kept (server.log, config.json, data/): " + ", ".join(kept))
        problems = ctx.resources.close()
    passed = error is None and not ctx.failed and not problems
    seconds = time.monotonic() - began
    print(f"{'PASS' if passed else 'FAIL'} {name} ({seconds:.1f}s)", flush=True)
    for line in ctx.notes:
        print(f"    {line}", flush=True)
    if error:
        print(f"    FAILED: {error}", flush=True)
    for p in problems:
        print(f"    FAILED clean-up: {p}", flush=True)
    return passed


def main():
    parser = argparse.ArgumentParser(description="Fault drills against a real sealdrop server.",
                                     epilog="drills: " + ", ".join(n for n, _ in DRILLS))
    parser.add_argument("drills", nargs="*", help="run only these (default: all)")
    parser.add_argument("--list", action="store_true", help="list the drills with their descriptions")
    parser.add_argument("--keep", action="store_true", help="keep server data dirs and logs (paths are printed)")
    args = parser.parse_args()
    if args.list:
        for name, function in DRILLS:
            print(f"{name}\n    {' '.join(function.__doc__.split())}\n")
        return 0
    signal.signal(signal.SIGINT, signal.default_int_handler)
    unknown = [d for d in args.drills if d not in dict(DRILLS)]
    if unknown:
        parser.error(f"unknown drill(s): {', '.join(unknown)}")
    binary = server_binary()
    if not os.access(binary, os.X_OK):
        print(f"faults: no server binary at {binary} (build it, or set SEALDROP_BIN)", file=sys.stderr)
        return 2
    selected = [(n, f) for n, f in DRILLS if not args.drills or n in args.drills]

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)

    print(f"faults: {len(selected)} drill(s) against {binary}", flush=True)
    began = time.monotonic()
    passed = failed = 0
    try:
        for name, function in selected:
            if run_one(name, function, args.keep):
                passed += 1
            else:
                failed += 1
    except KeyboardInterrupt:
        print(f"faults: interrupted; {passed} passed, {failed} failed before that (everything started was cleaned up)")
        return 130
    print(f"faults: total time {time.monotonic() - began:.1f}s", flush=True)
    print(f"faults: {passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
