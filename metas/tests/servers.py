"""The site under gunicorn in a process of its own, as production runs it, for the tests of
what crosses processes: a replica, two nodes, a part that stops.

    with site_process(DATABASE_URL=..., REDIS_URL=...) as site:
        status, headers, body = site.get("/metas/")
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SiteProcess:
    url: str
    process: subprocess.Popen

    def get(self, path: str, cookie: str = "") -> tuple[int, dict, str]:
        request = urllib.request.Request(
            self.url + path, headers={"Cookie": cookie} if cookie else {}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, headers, body = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, dict(error.headers), error.read()
        return status, headers, body.decode(errors="replace")  # a ZIP is not text


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url + "/salud/vivo/", timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer in time")


@contextlib.contextmanager
def site_process(workdir: Path, **environment):
    """gunicorn with production settings (DEBUG off, collected static files of the test run)."""
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ENV_FILE": "", "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(settings.STATIC_ROOT), "MEDIA_ROOT": str(workdir / "media"),
        "SITE_URL": f"http://127.0.0.1:{port}", **environment,
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = workdir / "gunicorn.log"
    process = subprocess.Popen(
        [str(gunicorn), "transparencia.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--chdir", str(settings.BASE_DIR)],
        cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"),
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(url, process, log)
        yield SiteProcess(url, process)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def start_redis(port: int) -> subprocess.Popen:
    """A redis-server of the test's own on `port` (nothing kept on disk), once it answers."""
    if not os.path.exists(REDIS_SERVER):
        if os.environ.get("CI") == "true":
            raise RuntimeError("redis-server is not installed, and CI=true requires it")
        pytest.skip("redis-server is not installed")
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis.Redis(port=port, socket_connect_timeout=0.2).ping()
            return server
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("redis-server did not start")
