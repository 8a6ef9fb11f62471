"""Backup drills (issue 15): `sealdrop backup create` while 20 uploads run, restored into a fresh data dir and served
by a second server; and `backup create` killed with SIGKILL at points across its run.

Both run the real binary's command line against a running server's data dir, as an operator would."""
import hashlib
import os
import signal
import subprocess
import threading
import time

from harness import (MiB, DrillError, capture_code_reader, download_all, finalize, make_tempdir, new_client, new_session,
                     transfer_ids, upload, verify_sender)

SENDER = "backup-drill@example.org"
RECIPIENT = "backup-drill@example.net"
PASSWORD = "Backup!Dr1ll#Q7x"


def content(size, seed):
    """(chunk generator factory, sha256 hex) of `size` deterministic bytes."""
    block = hashlib.sha256(seed).digest() * (MiB // 32)
    digest = hashlib.sha256()
    left = size
    while left:
        digest.update(block[:min(MiB, left)])
        left -= min(MiB, left)

    def chunks():
        remaining = size
        while remaining:
            yield block[:min(MiB, remaining)]
            remaining -= min(MiB, remaining)
    return chunks, digest.hexdigest()


def send(client, size, seed):
    """One finalized transfer of one file; returns (tracking id, recipient's transfer id, sha256 hex)."""
    chunks, digest = content(size, seed)
    tracking, ids = new_session(client, SENDER, [RECIPIENT], PASSWORD, {"file.bin": size})
    r = upload(client, SENDER, tracking, ids["file.bin"], chunks())
    if r.status_code != 200:
        raise DrillError(f"upload: HTTP {r.status_code} {r.text[:200]}")
    r = finalize(client, SENDER, tracking)
    if r.status_code != 201:
        raise DrillError(f"finalize: HTTP {r.status_code} {r.text[:200]}")
    return tracking, transfer_ids(client, SENDER, tracking)[RECIPIENT], digest


def clone(client):
    """Another client with the same client id and verification token, on its own HTTP session (one per thread)."""
    other = new_client(client.base)
    other.client_id = client.client_id
    other.token = client.token
    return other


def cli(server, *args, timeout=600):
    """Runs `sealdrop ARGS` with the server's configuration and environment."""
    return subprocess.run([server.binary, *args], env=server.env, capture_output=True, text=True, timeout=timeout)


def backup_folders(directory):
    return sorted(n for n in os.listdir(directory) if not n.startswith("."))


def drill_backup_under_load(ctx):
    """`backup create` while 20 clients upload 4 MiB transfers without pause; then `verify`, `restore` into a fresh
    data dir and a second server started on it. Passes when the backup and verify succeed, every upload during the
    backup succeeds, and every transfer finalized before the backup began downloads from the second server
    byte-identical with its password."""
    server = ctx.server().start()
    client = new_client(server.base)
    verify_sender(client, SENDER, capture_code_reader(server))
    before = [send(client, size, b"before-%d" % i) for i, size in enumerate([MiB, 3 * MiB, 16 * MiB, 200_000, 8 * MiB, 5 * MiB])]
    backups = make_tempdir(ctx.resources, "sealdrop-backups-")

    stop = threading.Event()
    results = {"ok": 0, "failed": []}
    lock = threading.Lock()

    def uploader(n):
        own = clone(client)
        i = 0
        while True:
            try:
                send(own, 4 * MiB, b"during-%d-%d" % (n, i))
                with lock:
                    results["ok"] += 1
            except Exception as exc:  # recorded, the drill fails on it
                with lock:
                    results["failed"].append(str(exc)[:200])
            i += 1
            if stop.is_set():
                return
    threads = [threading.Thread(target=uploader, args=(n,), daemon=True) for n in range(20)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # every client is mid-upload when the backup starts
    began = time.monotonic()
    created = cli(server, "backup", "create", "--to", backups, "--config", server.config)
    seconds = time.monotonic() - began
    stop.set()
    for t in threads:
        t.join(timeout=600)
    ctx.check(created.returncode == 0, f"backup create exit {created.returncode} in {seconds:.1f}s: {created.stdout.strip()} {created.stderr.strip()}")
    ctx.check(not results["failed"], f"{results['ok']} uploads during the backup succeeded, {len(results['failed'])} failed {results['failed'][:3]}")
    folders = backup_folders(backups)
    if len(folders) != 1:
        raise DrillError(f"expected one backup folder, found {folders}")
    path = os.path.join(backups, folders[0])
    verified = cli(server, "backup", "verify", path)
    ctx.check(verified.returncode == 0, f"backup verify: {verified.stdout.strip()} {verified.stderr.strip()[:300]}")

    second = ctx.server()
    restored = cli(server, "backup", "restore", path, "--data-dir", second.data)
    ctx.check(restored.returncode == 0, f"backup restore: {restored.stdout.strip()} {restored.stderr.strip()[:300]}")
    refused = cli(server, "backup", "restore", path, "--data-dir", second.data)
    ctx.check(refused.returncode == 1 and "not empty" in refused.stderr, f"restore into the now non-empty dir refused: {refused.stderr.strip()}")
    second.start()
    identical = 0
    for tracking, transfer_id, digest in before:
        got = download_all(second.base, transfer_id, PASSWORD)
        if got == {"file.bin": digest}:
            identical += 1
        else:
            ctx.check(False, f"{tracking} from the restored server: {got} != {digest}")
    ctx.check(identical == len(before), f"{identical}/{len(before)} transfers finalized before the backup download byte-identical from the second server")
    other = new_client(second.base)
    verify_sender(other, SENDER, capture_code_reader(second))
    _, transfer_id, digest = send(other, 2 * MiB, b"after-restore")
    ctx.check(download_all(second.base, transfer_id, PASSWORD) == {"file.bin": digest}, "the restored server takes and serves a new transfer")
    ctx.check(server.alive() and second.alive(), "both servers still running")


def drill_backup_kill9(ctx):
    """`backup create` killed with SIGKILL at 8 points across its measured run over 24 transfers of 4 MiB. Passes when after every kill each folder in the
    backup directory either verifies (it was complete) or is a `.partial` that `verify` refuses, and the next
    `backup create` removes every `.partial` and writes a backup that verifies."""
    server = ctx.server().start()
    client = new_client(server.base)
    verify_sender(client, SENDER, capture_code_reader(server))
    for i in range(24):
        send(client, 4 * MiB, b"kill-%d" % i)
    backups = make_tempdir(ctx.resources, "sealdrop-backups-")
    began = time.monotonic()
    full = cli(server, "backup", "create", "--to", backups, "--name", "measure", "--config", server.config)
    duration = time.monotonic() - began
    if full.returncode != 0:
        raise DrillError(f"backup create: {full.stderr.strip()}")
    ctx.note(f"a whole backup takes {duration:.2f}s ({full.stdout.splitlines()[0] if full.stdout else ''})")
    accepted_partial = 0
    outcomes = []
    for n, fraction in enumerate([0.02, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.97]):
        proc = subprocess.Popen([server.binary, "backup", "create", "--to", backups, "--name", f"kill{n}", "--config", server.config],
                                env=server.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        for name in backup_folders(backups):
            if name == "measure":
                continue
            result = cli(server, "backup", "verify", os.path.join(backups, name))
            if name.endswith(".partial"):
                outcomes.append("partial")
                if result.returncode == 0:
                    accepted_partial += 1
            elif result.returncode != 0:
                ctx.check(False, f"{name} looks complete but verify refuses it: {result.stderr.strip()[:300]}")
            else:
                outcomes.append("complete")
        for name in backup_folders(backups):
            if name.startswith("kill") and not name.endswith(".partial"):
                subprocess.run(["rm", "-rf", os.path.join(backups, name)], check=True)
    ctx.check(accepted_partial == 0, f"no interrupted backup verifies ({outcomes.count('partial')} partial, {outcomes.count('complete')} finished before the kill)")
    final = cli(server, "backup", "create", "--to", backups, "--name", "after", "--config", server.config)
    left = [n for n in backup_folders(backups) if n.endswith(".partial")]
    ctx.check(final.returncode == 0 and not left, f"the next backup succeeds and removes every .partial (left: {left})")
    ctx.check(cli(server, "backup", "verify", os.path.join(backups, "after")).returncode == 0, "the next backup verifies")
    ctx.check(server.alive(), "server still running")
