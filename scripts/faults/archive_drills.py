"""Archive drills (issue 14): the SSH archive server stopped mid-copy, Sealdrop killed mid-copy, the archive
directory full. Each ends with exactly one complete copy per transfer and no file left under the write suffix.

Needs the sshd peer of scripts/peers/sshd.sh (SSH_* in the environment; scripts/test starts it)."""
import hashlib
import os
import subprocess
import time

from harness import (MiB, DrillError, capture_code_reader, finalize, make_tempdir, mount_small_fs, new_client, new_session, upload,
                     verify_sender, wait_until)

SENDER = "archive-drill@example.org"
PASSWORD = "Fault!Dr1ll#Q7x"
WRITE = ".writing"


def verified_sender(server):
    client = new_client(server.base)
    verify_sender(client, SENDER, capture_code_reader(server))
    return client


def ssh_peer():
    """The sshd peer's variables, or a DrillError naming what is missing (never a skip)."""
    names = ["SSH_HOST", "SSH_PORT", "SSH_KEY_USER", "SSH_KEY_FILE", "SSH_ARCHIVE_DIR", "SSH_CTL", "SSH_HOST_FP_ED25519"]
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        raise DrillError("sshd peer not running (source scripts/peers/sshd.sh && sshd_peer_start): missing " + ", ".join(missing))
    return {n: os.environ[n] for n in names}


def sftp_settings(peer, folder):
    with open(peer["SSH_KEY_FILE"]) as f:
        key = f.read()
    url = f"sftp://{peer['SSH_KEY_USER']}@{peer['SSH_HOST']}:{peer['SSH_PORT']}{folder}"
    return {"archive": {"enabled": True, "connector": "sftp", "url": url, "privateKey": key,
                        "hostKeyFingerprint": peer["SSH_HOST_FP_ED25519"], "writeSuffix": WRITE}}


def ssh_ctl(peer, command):
    r = subprocess.run([peer["SSH_CTL"], command], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise DrillError(f"SSH_CTL {command}: {(r.stderr or r.stdout).strip()}")


def send(client, name, size, seed):
    """Sends one transfer with one file of `size` deterministic bytes; returns (tracking id, sha256 hex)."""
    block = hashlib.sha256(seed).digest() * (MiB // 32)
    digest = hashlib.sha256()
    remaining = size
    while remaining:
        digest.update(block[:min(MiB, remaining)])
        remaining -= min(MiB, remaining)

    def chunks():
        left = size
        while left:
            yield block[:min(MiB, left)]
            left -= min(MiB, left)
    tracking, ids = new_session(client, SENDER, ["archive-drill@example.net"], PASSWORD, {name: size})
    r = upload(client, SENDER, tracking, ids[name], chunks())
    if r.status_code != 200:
        raise DrillError(f"upload: HTTP {r.status_code} {r.text[:200]}")
    r = finalize(client, SENDER, tracking)
    if r.status_code != 201:
        raise DrillError(f"finalize: HTTP {r.status_code} {r.text[:200]}")
    return tracking, digest.hexdigest()


def job(server, tracking):
    rows = server.db_rows("SELECT state, attempts, last_error FROM archive_jobs WHERE tracking_id = ?", (tracking,))
    return rows[0] if rows else (None, 0, None)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(MiB)
            if not b:
                return h.hexdigest()
            h.update(b)


def check_one_copy(ctx, label, folder, name, digest):
    """Exactly the file and the metadata, complete, nothing under the write suffix."""
    names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    ctx.check(names == sorted([name, "meta-info.xml"]), f"{label}: the archive folder holds exactly {names}")
    ok = os.path.exists(os.path.join(folder, name)) and sha256_file(os.path.join(folder, name)) == digest
    ctx.check(ok, f"{label}: the archived file's SHA-256 equals the sent file's")


def wait_for_write(folder, min_bytes=8 * MiB, timeout=60):
    """Waits until a file under the write suffix in `folder` holds `min_bytes` (the copy is well under way)."""
    def writing():
        try:
            return any(n.endswith(WRITE) and os.path.getsize(os.path.join(folder, n)) >= min_bytes for n in os.listdir(folder))
        except OSError:
            return False
    return wait_until(writing, timeout, 0.005)


def drill_archive_sshd_down(ctx):
    """The SSH archive server stopped before a copy and again in the middle of one: the copies wait (retries logged,
    state pending with the error), and once sshd is back each transfer is archived exactly once, complete, with no
    file left under the write suffix."""
    peer = ssh_peer()
    folder = os.path.join(peer["SSH_ARCHIVE_DIR"], f"drill-down-{os.getpid()}-{int(time.time())}")
    os.makedirs(folder, mode=0o777)
    os.chmod(folder, 0o777)
    ctx.resources.push(f"remove {folder}", lambda: subprocess.run(["rm", "-rf", folder]))
    ctx.resources.push("sshd started again", lambda: ssh_ctl(peer, "start"))
    server = ctx.server(settings=sftp_settings(peer, folder), config={"archiveFirstRetrySeconds": 0.5})
    server.start()
    client = verified_sender(server)

    ssh_ctl(peer, "stop")
    tracking, digest = send(client, "before.bin", 8 * MiB, b"before")
    waited = wait_until(lambda: job(server, tracking)[1] >= 2, 60, 0.1)
    state, attempts, error = job(server, tracking)
    ctx.check(bool(waited) and state == "pending" and error, f"sshd down: {attempts} attempts, state {state}, last error: {(error or '')[:160]}")
    ssh_ctl(peer, "start")
    came_back = time.monotonic()
    ok = wait_until(lambda: job(server, tracking)[0] == "archived", 120, 0.1)
    ctx.check(bool(ok), f"sshd back: archived {time.monotonic() - came_back:.1f}s later after {job(server, tracking)[1]} attempts")
    check_one_copy(ctx, "stopped before", os.path.join(folder, tracking), "before.bin", digest)

    tracking, digest = send(client, "during.bin", 192 * MiB, b"during")
    target = os.path.join(folder, tracking)
    caught = wait_for_write(target)
    ssh_ctl(peer, "stop")
    partial = {n: os.path.getsize(os.path.join(target, n)) for n in os.listdir(target)} if os.path.isdir(target) else {}
    ctx.check(bool(caught), f"sshd stopped while the copy was written (folder then: {partial})")
    waited = wait_until(lambda: (job(server, tracking)[2] or "") != "", 60, 0.1)
    state, attempts, error = job(server, tracking)
    ctx.check(bool(waited) and state == "pending", f"the cut copy waits: state {state}, error: {(error or '')[:160]}")
    ssh_ctl(peer, "start")
    ok = wait_until(lambda: job(server, tracking)[0] == "archived", 180, 0.1)
    ctx.check(bool(ok), f"after sshd came back: {job(server, tracking)[0]} after {job(server, tracking)[1]} attempts")
    check_one_copy(ctx, "stopped during", target, "during.bin", digest)


def drill_archive_kill9(ctx):
    """kill -9 of Sealdrop while a 1 GiB copy is written over SFTP; after the restart the copy is made again and the
    archive holds exactly one complete copy (every byte compared by SHA-256), nothing under the write suffix, the spool
    folder is gone and the sealed transfer key removed."""
    peer = ssh_peer()
    folder = os.path.join(peer["SSH_ARCHIVE_DIR"], f"drill-kill-{os.getpid()}-{int(time.time())}")
    os.makedirs(folder, mode=0o777)
    os.chmod(folder, 0o777)
    ctx.resources.push(f"remove {folder}", lambda: subprocess.run(["rm", "-rf", folder]))
    server = ctx.server(settings=sftp_settings(peer, folder), config={"archiveFirstRetrySeconds": 0.5})
    server.start()
    client = verified_sender(server)
    tracking, digest = send(client, "big.bin", 1024 * MiB, b"kill9")
    target = os.path.join(folder, tracking)
    caught = wait_for_write(target)
    server.kill9()
    partial = {n: os.path.getsize(os.path.join(target, n)) for n in os.listdir(target)} if os.path.isdir(target) else {}
    ctx.check(bool(caught) and any(n.endswith(WRITE) for n in partial), f"killed mid-copy, left behind: {partial}")
    server.start()
    restarted = time.monotonic()
    ok = wait_until(lambda: job(server, tracking)[0] == "archived", 600, 0.1)
    ctx.check(bool(ok), f"after the restart: {job(server, tracking)[0]} after {job(server, tracking)[1]} attempts, "
                        f"{time.monotonic() - restarted:.1f}s")
    check_one_copy(ctx, "kill -9", target, "big.bin", digest)
    spool = os.path.join(server.data, "archive-spool", tracking)
    ctx.check(not os.path.exists(spool), "the spool folder is gone once archived")
    key = server.db_rows("SELECT sealed_key IS NULL FROM archive_jobs WHERE tracking_id = ?", (tracking,))
    ctx.check(key == [(1,)], "the sealed transfer key is removed once archived")


def drill_archive_dir_full(ctx):
    """The local archive directory full: the copy fails with a clear error (no space left), stays pending and is
    retried; once space is freed it is archived, complete, nothing left under the write suffix."""
    work = make_tempdir(ctx.resources, "sealdrop-faults-archive-")
    archive = os.path.join(work, "archive")
    kind = mount_small_fs(ctx.resources, archive, 32)
    os.chmod(archive, 0o777)
    filler = os.path.join(archive, "filler")
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * MiB)
                f.flush()
        except OSError:
            pass
    os.sync()
    settings = {"archive": {"enabled": True, "connector": "local", "url": "file://" + archive, "writeSuffix": WRITE}}
    server = ctx.server(settings=settings, config={"archiveFirstRetrySeconds": 0.5})
    ctx.resources.push("stop the server before unmounting", server.stop)
    server.start()
    client = verified_sender(server)
    tracking, digest = send(client, "full.bin", 8 * MiB, b"full")
    waited = wait_until(lambda: job(server, tracking)[1] >= 2, 60, 0.1)
    state, attempts, error = job(server, tracking)
    ctx.note(f"archive on {kind}")
    ctx.check(bool(waited) and state == "pending" and "No space left" in (error or ""),
              f"archive full: {attempts} attempts, state {state}, last error: {(error or '')[:160]}")
    os.unlink(filler)
    freed = time.monotonic()
    ok = wait_until(lambda: job(server, tracking)[0] == "archived", 120, 0.1)
    ctx.check(bool(ok), f"space freed: archived {time.monotonic() - freed:.1f}s later")
    check_one_copy(ctx, "after the disk was full", os.path.join(archive, tracking), "full.bin", digest)
    ctx.check(server.alive(), "server process still running")
