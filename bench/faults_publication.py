"""The publication's faults for bench/faults.py, each with the real part killed or filled:

- `publication-worker`: "Publicar" through the staff area, the publication worker
  (`manage.py db_worker`) killed with SIGKILL while it rebuilds the files, started again two
  seconds later as its supervisor would: the files current again with no staff action;
- `store-full`: the downloads' store (a tmpfs of its own) filled before a publication: the
  publication lands, the build fails, is retried, shows in the import log, and succeeds after
  the space is freed and the staff press "Reintentar";
- `double-publish`: two "Publicar" of the same upload at the same moment (a double click),
  several times: one 302 and one 409 each, never a 500;
- `export-flood`: 16 clients asking for the whole data set and its variants over and over, while
  one reader asks for the home page: its p50/p99 then and without the flood.

Each under the read load of bench/faults.py, with its statuses; afterwards the prebuilt files
must equal those a fault-free rebuild (`manage.py build_downloads`) writes from the same data,
and no temporary file is left.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import psycopg

from servers import PROJECT, manage

SAMPLE = PROJECT / "fixtures" / "loja-lotaip-a4-2019-08.tsv"
STAFF = ("bench-staff", "x-Bench-" + secrets.token_urlsafe(8))


# --- The publication worker, a process of its own --------------------------------------------

class Worker:
    """`manage.py db_worker` as the README's systemd unit runs it."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log, self.process = env, log, None

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
                 "--interval", "0.2"], cwd=PROJECT, env=self.env, stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.kill()


# --- The staff, through HTTP as a browser ---------------------------------------------------

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class LoopbackPolicy(http.cookiejar.DefaultCookiePolicy):
    """The site's cookies are Secure (production settings); here they travel over plain HTTP
    on the loopback, as a browser sends them to http://127.0.0.1 (a secure context)."""

    def return_ok_secure(self, cookie, request):
        return True


class Staff:
    """A signed-in staff member: upload, "Publicar", "Reintentar", with the session's cookie
    and the form's CSRF token, redirects not followed (their status is what is counted)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar(LoopbackPolicy())), NoRedirect())

    def request(self, path: str, data: bytes | None = None, headers=None) -> tuple[int, dict, str]:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(errors="replace")

    def token(self, path: str) -> str:
        _status, _headers, body = self.request(path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)

    def post(self, path: str, fields: dict, files: dict | None = None,
             token_from: str = "/gestion/") -> tuple[int, dict, str]:
        fields = {**fields, "csrfmiddlewaretoken": self.token(token_from)}
        boundary = uuid.uuid4().hex
        body = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            .encode() for name, value in fields.items())
        for name, (filename, content) in (files or {}).items():
            body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     ).encode() + content + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        return self.request(path, body, {
            "Content-Type": f"multipart/form-data; boundary={boundary}"})

    def sign_in(self) -> None:
        status, headers, _ = self.post("/gestion/entrar/", {
            "username": STAFF[0], "password": STAFF[1]}, token_from="/gestion/entrar/")
        assert status == 302, f"sign-in answered {status}"

    def upload(self, institution: int, content: bytes) -> str:
        """The preview's publish address of an upload of `content` for `institution`."""
        status, headers, body = self.post("/gestion/", {"institution": institution,
                                                       "period": ""},
                                          {"files": (SAMPLE.name, content)})
        assert status == 302, f"upload answered {status}: {body[:500]}"
        return headers["Location"].rstrip("/") + "/publicar/"

    def publish(self, address: str) -> int:
        status, _headers, _body = self.post(address, {}, token_from=address.rsplit(
            "publicar/", 1)[0])
        return status


def create_staff(env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", "createsuperuser", "--noinput", "--username",
                    STAFF[0], "--email", "bench@example.ec"], cwd=PROJECT,
                   env={**env, "DJANGO_SUPERUSER_PASSWORD": STAFF[1]}, capture_output=True)
    subprocess.run([sys.executable, "manage.py", "shell", "-c",
                    "from django.contrib.auth.models import User; "
                    f"u = User.objects.get(username={STAFF[0]!r}); "
                    f"u.set_password({STAFF[1]!r}); u.save()"],
                   cwd=PROJECT, env=env, check=True, capture_output=True)


def sample_variant(number: int) -> bytes:
    """The sample report with one goal's progress changed: each upload a new publication."""
    lines = SAMPLE.read_bytes().split(b"\n")
    for index, line in enumerate(lines):
        match = re.search(rb"\t(\d{1,3}(?:[.,]\d+)?) ?%", line)
        if index > 10 and match:
            lines[index] = line[:match.start(1)] + str(number % 100).encode() + line[
                match.end(1):]
            break
    return b"\n".join(lines)


# --- What the database and the store say ----------------------------------------------------

def query(database_url: str, sql: str, params=()) -> list[tuple]:
    with psycopg.connect(database_url) as connection:
        return connection.execute(sql, params).fetchall()


def latest_build(database_url: str) -> tuple[int, str, int]:
    rows = query(database_url, "SELECT id, status, attempts FROM metas_filebuild "
                               "ORDER BY id DESC LIMIT 1")
    return rows[0] if rows else (0, "", 0)


def institutions(database_url: str) -> list[int]:
    return [row[0] for row in query(database_url,
                                    "SELECT id FROM metas_institution ORDER BY id")]


def temporary_files(root: Path) -> list[str]:
    return [str(path) for path in root.rglob("*.tmp")]


def downloads_state(database_url: str) -> list[tuple]:
    return query(database_url, "SELECT name, size, sha256 FROM metas_download ORDER BY name")


def same_as_fault_free(env: dict, database_url: str, root: Path) -> tuple[bool, str]:
    """The prebuilt files as they are once the worker has done every build waiting, against
    `build_downloads` from the same data."""
    waited = wait_for(lambda: not query(
        database_url, "SELECT 1 FROM metas_filebuild WHERE status IN ('pending', 'building')"),
        120, 0.2)
    before = downloads_state(database_url)
    parts_before = sorted(str(path.relative_to(root)) for path in (root / "partes").rglob("*"))
    leftovers = temporary_files(root)
    manage(env, "build_downloads", "-v0")
    after = downloads_state(database_url)
    parts_after = sorted(str(path.relative_to(root)) for path in (root / "partes").rglob("*"))
    same = before == after and parts_before == parts_after and not leftovers
    return same, (f"every build done after {_seconds(waited)}; {len(before)} prebuilt files, {'equal' if before == after else 'DIFFERENT'}"
                  f" to a fault-free rebuild; parts {'equal' if parts_before == parts_after else 'DIFFERENT'}"
                  f"; temporary files left: {len(leftovers)}")


def _seconds(value) -> str:
    return "never" if value is None else f"{value:.2f} s"


def wait_for(condition, limit: float, step: float = 0.05):
    started = time.monotonic()
    while time.monotonic() - started < limit:
        value = condition()
        if value:
            return time.monotonic() - started
        time.sleep(step)
    return None


class Poller:
    """One connection kept open, to see a build's status within milliseconds."""

    def __init__(self, database_url: str):
        self.connection = psycopg.connect(database_url, autocommit=True)

    def build(self, pk: int) -> tuple[str, int]:
        row = self.connection.execute(
            "SELECT status, attempts FROM metas_filebuild WHERE id = %s", [pk]).fetchone()
        return row or ("", 0)

    def latest(self) -> int:
        row = self.connection.execute("SELECT max(id) FROM metas_filebuild").fetchone()
        return row[0] or 0

    def close(self) -> None:
        self.connection.close()


class Context:
    """What the publication scenarios share: the site, its worker, the staff, the store."""

    def __init__(self, site, worker: Worker, env: dict, database_url: str, store: Path,
                 store_mounted: bool):
        self.site, self.worker, self.env = site, worker, env
        self.database_url, self.store, self.store_mounted = database_url, store, store_mounted
        self.staff = Staff(site.url)
        self.variant = 0
        self.institutions = institutions(database_url)

    def ensure_worker(self) -> None:
        if self.worker.process is None or self.worker.process.poll() is not None:
            self.worker.start()

    def upload(self, institution_index: int) -> str:
        self.variant += 1
        return self.staff.upload(self.institutions[institution_index % len(self.institutions)],
                                 sample_variant(self.variant))

    def month_zip(self, institution_index: int) -> str:
        pk = self.institutions[institution_index % len(self.institutions)]
        slug = query(self.database_url, "SELECT slug FROM metas_institution WHERE id = %s",
                     [pk])[0][0]
        return f"{self.site.url}/datos/{slug}/2019-08.zip"


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def scenario_publication_worker(load, ctx: Context, phase: float) -> dict:
    """(a) The worker killed with SIGKILL while it rebuilds, then started again."""
    ctx.ensure_worker()
    poller, notes, misses, state = Poller(ctx.database_url), [], [], {}

    def publish_and_kill():
        for attempt in range(1, 6):  # a build may end before it is seen "building"
            address = ctx.upload(0)
            before = poller.latest()
            state["publish"] = ctx.staff.publish(address)
            wait_for(lambda: poller.latest() > before, 10, 0.002)
            state["build"] = poller.latest()
            seen = wait_for(lambda: poller.build(state["build"])[0] in ("building", "done"),
                            30, 0.002)
            if seen is not None and poller.build(state["build"])[0] == "building":
                ctx.worker.kill()
                state["killed"] = (attempt, poller.build(state["build"]))
                return
            notes.append(f"attempt {attempt}: the build ended before it was seen building")
        misses.append("the worker was never killed mid-build")

    def restart():
        ctx.worker.start()
        state["current again"] = wait_for(
            lambda: poller.build(state["build"])[0] == "done", 60)
        state["zip"] = status_of(ctx.month_zip(0))

    phases = load.run([("before", phase, lambda: None),
                       ("worker killed mid-build", phase, publish_and_kill),
                       ("worker started again", phase, restart)])
    poller.close()
    if "killed" in state:
        attempt, (status, attempts) = state["killed"]
        notes.append(f"\"Publicar\" answered {state['publish']}; worker killed (SIGKILL) on "
                     f"attempt {attempt} while its build was {status} (attempt {attempts})")
    seconds = state.get("current again")
    notes.append("files current again after the worker's restart, no staff action: "
                 + ("never (60 s)" if seconds is None else f"{seconds:.2f} s")
                 + f"; the month's ZIP then answers {state.get('zip')}")
    if seconds is None or seconds > 5:
        misses.append("files not current within 5 s of the worker's restart")
    if state.get("zip") != 200:
        misses.append("the month's ZIP is not served after the restart")
    return {"phases": phases, "notes": notes, "misses": misses}


def fill(store: Path) -> Path:
    """Every free byte of the store taken by one file (unbuffered writes, smaller and smaller
    until not one byte fits); returns it."""
    filler = store / "relleno.bin"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for size in (2**20, 65536, 4096, 512, 1):
            try:
                while True:
                    os.write(descriptor, b"\0" * size)
            except OSError:
                continue
    finally:
        os.close(descriptor)
    return filler


def scenario_store_full(load, ctx: Context, phase: float) -> dict:
    """(b) The downloads' store full during a publication, then space freed."""
    if not ctx.store_mounted:
        return {"phases": [], "notes": [], "misses": [
            "not measured: the store is not a tmpfs of its own (mounting one needs root)"]}
    ctx.ensure_worker()
    poller, notes, misses, state = Poller(ctx.database_url), [], [], {}

    def full_then_publish():
        state["filler"] = fill(ctx.store)
        address = ctx.upload(1)
        before = poller.latest()
        accepted = query(ctx.database_url, "SELECT count(*) FROM metas_importlog "
                                           "WHERE outcome = 'accepted'")[0][0]
        unbuilt = query(ctx.database_url, "SELECT count(*) FROM metas_importlog WHERE "
                                          "outcome = 'unbuilt'")[0][0]
        state["publish"] = ctx.staff.publish(address)
        state["landed"] = query(ctx.database_url, "SELECT count(*) FROM metas_importlog "
                                                  "WHERE outcome = 'accepted'")[0][0] - accepted
        wait_for(lambda: poller.latest() > before, 10)
        state["build"] = poller.latest()
        state["failed after"] = wait_for(
            lambda: poller.build(state["build"])[0] == "failed", 60)
        state["failed"] = poller.build(state["build"])
        state["logged"] = query(ctx.database_url, "SELECT count(*) FROM metas_importlog WHERE "
                                                  "outcome = 'unbuilt'")[0][0] - unbuilt
        state["temporary"] = len(temporary_files(ctx.store))

    def free_and_retry():
        state["filler"].unlink()
        status, _headers, _body = ctx.staff.post(
            f"/gestion/archivos/{state['build']}/reintentar/", {},
            token_from="/gestion/archivos/")
        state["retry"] = status
        state["done after"] = wait_for(lambda: poller.build(state["build"])[0] == "done", 60)
        state["zip"] = status_of(ctx.month_zip(1))

    phases = load.run([("before", phase, lambda: None),
                       ("store full, publication", phase, full_then_publish),
                       ("space freed, Reintentar", phase, free_and_retry)])
    poller.close()
    status, attempts = state.get("failed", ("", 0))
    notes += [
        f"\"Publicar\" with the store full answered {state.get('publish')}; publications "
        f"recorded: {state.get('landed')} (the report is published)",
        f"the build: {status} after {attempts} attempts "
        f"({_seconds(state.get('failed after'))}); 'archivos no preparados' rows in the "
        f"import log: {state.get('logged')}; temporary files left: {state.get('temporary')}",
        f"space freed, \"Reintentar\" answered {state.get('retry')}: files current after "
        f"{_seconds(state.get('done after'))}; the month's ZIP answers {state.get('zip')}",
    ]
    misses += [miss for miss, failed in [
        ("the publication did not land with the store full",
         state.get("publish") != 302 or state.get("landed") != 1),
        ("the build did not fail and get logged", status != "failed" or not state.get("logged")),
        ("a temporary file was left in the full store", state.get("temporary")),
        ("the files were not current within 5 s of the retry",
         state.get("done after") is None or state["done after"] > 5),
        ("the month's ZIP is not served after the retry", state.get("zip") != 200),
    ] if failed]
    return {"phases": phases, "notes": notes, "misses": misses}


def scenario_double_publish(load, ctx: Context, phase: float, rounds: int = 5) -> dict:
    """(c) Two "Publicar" of the same upload at once (a double click), `rounds` times."""
    ctx.ensure_worker()
    notes, misses, outcomes = [], [], Counter()

    def double_clicks():
        for _round in range(rounds):
            address = ctx.upload(2)
            ctx.staff.token(address.rsplit("publicar/", 1)[0])  # the preview seen first
            start, statuses = threading.Barrier(2), []

            def click():
                start.wait()
                statuses.append(ctx.staff.publish(address))

            threads = [threading.Thread(target=click) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            outcomes[tuple(sorted(statuses))] += 1

    phases = load.run([("before", phase, lambda: None),
                       (f"{rounds} double clicks on \"Publicar\"", phase, double_clicks)])
    pk = ctx.institutions[2 % len(ctx.institutions)]
    reports = query(ctx.database_url, "SELECT count(*) FROM metas_report WHERE "
                                      "institution_id = %s AND period = '2019-08-01'", [pk])
    notes.append("pairs of answers: " + ", ".join(
        f"{' + '.join(map(str, pair))}: {count}" for pair, count in sorted(outcomes.items())))
    notes.append(f"reports of that institution and month afterwards: {reports[0][0]}")
    if outcomes != Counter({(302, 409): rounds}):
        misses.append("a double click did not give one 302 and one 409")
    if reports[0][0] != 1:
        misses.append("not exactly one report of that month")
    return {"phases": phases, "notes": notes, "misses": misses}


# The whole data set as prebuilt files (sent from their parts; nginx sends them in production
# with DOWNLOADS_ACCEL_PREFIX) and its variants made on request (within the stream budget,
# 30 a minute per client).
PREBUILT = ["/metas.csv?periodo=todos", "/metas.json?periodo=todos"]
ON_REQUEST = ["/metas.csv?periodo=todos&sep=%3B", "/metas.csv?periodo=todos&orden=-avance",
              "/metas.json?periodo=todos&q=agua", "/metas.xlsx?periodo=todos",
              "/metas.csv?periodo=todos&sep=%3B&orden=unidad"]


def drain(url: str, headers: dict | None = None) -> int:
    """The status of `url`, its body read and thrown away as a downloader reads it."""
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=300) as response:
            while response.read(2**16):
                pass
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code
    except OSError:
        return 0


def percentile(values: list[float], share: float) -> float:
    values = sorted(values) or [0.0]
    return values[min(len(values) - 1, int(len(values) * share))]


def home_reader(url: str, seconds: float) -> tuple[list[float], Counter]:
    latencies, statuses, ends = [], Counter(), time.monotonic() + seconds
    while time.monotonic() < ends:
        started = time.monotonic()
        statuses[status_of(url)] += 1
        latencies.append(time.monotonic() - started)
    return latencies, statuses


def flood(base: str, urls: list[str], clients: int, seconds: float, home: str,
          addresses: bool = False):
    """`clients` threads asking `urls` in turn while one reader asks for the home page:
    (its latencies, its statuses, {(url, status): [seconds, ...]}). With `addresses`, each
    client from an address of its own (X-Forwarded-For, as nginx appends it: PROXY_COUNT=1)."""
    stop, exports, lock = threading.Event(), {}, threading.Lock()

    def flooder(seed: int) -> None:
        index = seed
        while not stop.is_set():
            url, started = urls[index % len(urls)], time.monotonic()
            status = drain(base + url, {"X-Forwarded-For": f"198.51.100.{seed + 1}"}
                           if addresses else None)
            with lock:
                exports.setdefault((url, status), []).append(time.monotonic() - started)
            index += 1

    threads = [threading.Thread(target=flooder, args=(seed,)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(1)  # every flooder has a request under way
    latencies, statuses = home_reader(home, seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return latencies, statuses, exports


def scenario_export_flood(ctx: Context, phase: float, clients: int = 16) -> dict:
    """(d) The home page's latency alone, then while `clients` export the whole data set:
    its prebuilt files, then its variants made on request."""
    home = ctx.site.url + "/"
    status_of(home)  # in the page cache, as it is on a running site
    alone = (*home_reader(home, phase), {})
    runs = [("alone", alone),
            (f"{clients} clients: prebuilt files", flood(ctx.site.url, PREBUILT, clients, phase,
                                                         home)),
            (f"{clients} clients: made on request", flood(ctx.site.url, ON_REQUEST, clients,
                                                          phase, home)),
            (f"{clients} addresses: made on request", flood(
                ctx.site.url, ON_REQUEST, clients, phase, home, addresses=True))]
    lines = ["| home page | requests | p50 ms | p99 ms | max ms | statuses |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for name, (latencies, statuses, _exports) in runs:
        lines.append(f"| {name} | {len(latencies)} | {statistics.median(latencies) * 1000:.0f} |"
                     f" {percentile(latencies, 0.99) * 1000:.0f} | {max(latencies) * 1000:.0f} | "
                     + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) + " |")
    lines += ["", "| flood | export | status | answers | p50 s | max s |",
              "| --- | --- | --- | ---: | ---: | ---: |"]
    misses = []
    for name, (latencies, statuses, exports) in runs[1:]:
        for (url, status), seconds in sorted(exports.items()):
            lines.append(f"| {name} | `{url}` | {status} | {len(seconds)} | "
                         f"{statistics.median(seconds):.2f} | {max(seconds):.2f} |")
            if status >= 500 and status != 503:
                misses.append(f"{url} answered {status}")
        if any(status >= 500 for status in statuses):
            misses.append(f"the home page answered 5xx ({name})")
        if percentile(latencies, 0.99) > 1.0:
            misses.append(f"the home page's p99 above 1 s ({name})")
    return {"phases": [], "notes": lines, "misses": misses}
