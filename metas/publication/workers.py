"""Which worker process claimed a task, and whether it is still there.

django-tasks-db records the id of the worker that claimed a task (`worker_ids`) and nothing
else: a worker killed with SIGKILL leaves its task "RUNNING" for ever. Our `db_worker` (the
library's, started with an id from `worker_id()`) names the machine, the process and the
moment it started, so another worker on the same machine can tell at once that the process is
gone (`gone()`), rather than after FileBuild.PATIENCE: the process id alone could be a new
process's (a container's worker is often pid 1 again); with its start time it cannot.

    host:pid:start      e.g. "web-1:4127:889214"
"""
from __future__ import annotations

import os
import socket

# django-tasks-db refuses worker ids longer than this.
MAX_LENGTH = 64


def _host() -> str:
    return socket.gethostname()[:40]


def _started(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux's /proc/<pid>/stat, field 22);
    None when there is no such process (or no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read().decode(errors="replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: count after it.
    fields = text.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def worker_id() -> str:
    """This process's worker id."""
    pid = os.getpid()
    return f"{_host()}:{pid}:{_started(pid) or '0'}"[:MAX_LENGTH]


def gone(worker: str) -> bool:
    """True only when `worker` was a process of this machine that is no longer running; a
    worker of another machine, or an id not made by worker_id(), is never called gone."""
    parts = worker.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != _host() or not parts[1].isdigit():
        return False
    started = _started(int(parts[1]))
    if started is None:
        return os.path.isdir("/proc")  # without /proc nothing can be known
    return parts[2] != "0" and started != parts[2]
