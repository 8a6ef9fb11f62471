"""The system log on disk: JSON lines in <data dir>/logs, owner-only, rotated by size and count; off switches it off;
a bad value stops the server with one line naming the key."""
import json
import os
import subprocess

import requests

from conftest import Server


def test_the_log_file_is_json_owner_only_and_rotates_by_size_and_count():
    server = Server()
    server.env.update(SEALDROP_LOG_FILE_MAX_BYTES="4096", SEALDROP_LOG_FILE_COUNT="2")
    server.start()
    try:
        server.wait_for_log("server.starting")
        for _ in range(150):
            assert requests.get(server.base + "/api/status").status_code == 200
    finally:
        server.stop()
    logs = os.path.join(server.data, "logs")
    assert oct(os.stat(logs).st_mode & 0o777) == "0o700"
    names = sorted(os.listdir(logs))
    assert names == ["sealdrop.log", "sealdrop.log.1", "sealdrop.log.2"], names
    lines = []
    for name in names:
        path = os.path.join(logs, name)
        assert oct(os.stat(path).st_mode & 0o777) == "0o600"
        with open(path) as f:
            lines += [json.loads(line) for line in f if line.strip()]
    assert all({"time", "level", "label", "message"} <= set(line) for line in lines)
    assert any(line["message"] == "http.request" and line.get("http.path") == "/api/status" for line in lines)
    # Rotated away: the first requests are no longer there, the last ones are.
    assert sum(line["message"] == "http.request" for line in lines) < 150


def test_log_file_off_keeps_none_and_a_bad_count_names_the_key():
    server = Server()
    server.env.update(SEALDROP_LOG_FILE="off")
    server.start()
    try:
        assert requests.get(server.base + "/api/status").status_code == 200
    finally:
        server.stop()
    assert not os.path.exists(os.path.join(server.data, "logs"))
    server = Server()
    for env, key in [({"SEALDROP_LOG_FILE_COUNT": "many"}, "SEALDROP_LOG_FILE_COUNT"),
                     ({"SEALDROP_LOG_FILE_MAX_BYTES": "10"}, "SEALDROP_LOG_FILE_MAX_BYTES"),
                     ({"SEALDROP_LOG_FILE": "maybe"}, "SEALDROP_LOG_FILE")]:
        out = subprocess.run([server.binary, "config", "check", "--config", server.config], env=dict(server.env, **env),
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 2
        assert out.stderr.strip().startswith(f"sealdrop: configuration error: {key}:"), out.stderr
