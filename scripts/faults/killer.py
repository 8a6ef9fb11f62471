#!/usr/bin/env python3
"""killer.py PID DIR — SIGKILLs PID the moment a file is renamed out of DIR (inotify IN_MOVED_FROM).

Used by the kill9-mid-upload drill to kill the server exactly when it moves a finished upload from store/tmp to
store/blobs. Standard library only (it must start fast); runs SCHED_FIFO where permitted so it reacts within
microseconds even under CPU load. Prints `ready (MODE)` once watching and `killed NAME` after it struck.
"""
import ctypes
import os
import signal
import struct
import sys

IN_MOVED_FROM = 0x40


def main(pid, directory):
    mode = "SCHED_FIFO"
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(50))
    except (OSError, AttributeError):
        mode = "normal priority"
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(0)
    if fd < 0 or libc.inotify_add_watch(fd, directory.encode(), IN_MOVED_FROM) < 0:
        print(f"inotify failed: errno {ctypes.get_errno()}", flush=True)
        return 1
    print(f"ready ({mode})", flush=True)
    while True:
        data = os.read(fd, 4096)
        offset = 0
        while offset < len(data):
            _, mask, _, length = struct.unpack_from("iIII", data, offset)
            name = data[offset + 16:offset + 16 + length].rstrip(b"\0").decode()
            offset += 16 + length
            if mask & IN_MOVED_FROM:
                os.kill(pid, signal.SIGKILL)
                print(f"killed {name}", flush=True)
                return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(int(sys.argv[1]), sys.argv[2]))
