"""Helpers shared by the benchmarks: the machine's description, percentiles, and for web benchmarks a
pre-fork server for the project, an HTTP client with a login, and a closed-loop load phase."""

from __future__ import annotations

import http.client
import itertools
import math
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def machine() -> str:
    """One line: CPU, cores, memory, Python and the kernel."""
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, {memory_gib():.0f} GiB, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100) of values sorted ascending; NaN for no values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


# --- the server -------------------------------------------------------------------------------------------


def serve(port: int, workers: int) -> None:
    """Run in the server subprocess: bind 127.0.0.1, fork `workers` wsgiref processes, print the port, wait.

    The standard library's reference server, pre-forked: one listening socket shared by the workers, each
    serving one request at a time, like gunicorn's sync workers (`--server wsgiref`; the default is the
    production server, gunicorn, with the project's own configuration)."""
    import socketserver
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

    import django
    from django.core.wsgi import get_wsgi_application
    from django.db import connections
    from django.urls import get_resolver

    sys.path.insert(0, str(REPO))
    django.setup()
    application = get_wsgi_application()
    get_resolver().resolve("/healthz")  # import the URL configuration and the views before forking

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

    class Server(WSGIServer):
        request_queue_size = 1024  # the default (5) would refuse a burst of 50 clients' connections
        allow_reuse_address = True

    httpd = Server(("127.0.0.1", port), QuietHandler)
    httpd.set_app(application)
    connections.close_all()  # each worker opens its own database connection after the fork
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            try:
                httpd.serve_forever()
            finally:
                os._exit(0)
        children.append(pid)
    print(f"PORT {httpd.server_address[1]}", flush=True)

    def stop(_signum: int, _frame: Any) -> None:
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        os.waitpid(child, 0)
    socketserver.BaseServer.server_close(httpd)


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    port: int

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_gunicorn(env: dict[str, str], workers: int, timeout: float = 60) -> ServerProcess:
    """The project as deployed (config/gunicorn.conf.py, docs/deploy.md) with `workers` sync workers on a
    free loopback port, without the access log; returns once /healthz answers."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(REPO / "config" / "gunicorn.conf.py"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        os.devnull,
        "--log-level",
        "warning",
        "--backlog",
        "1024",
    ]
    # Our own interpreter and the installed gunicorn, no shell.
    process = subprocess.Popen(  # noqa: S603
        command, cwd=REPO, env={**os.environ, **env}, stdout=subprocess.DEVNULL, text=True
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}")
        try:
            if get(port, "/healthz")[0] == 200:
                return ServerProcess(process, port)
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not answer /healthz in time")


def start_server(module: str, env: dict[str, str], workers: int, server: str = "gunicorn") -> ServerProcess:
    """gunicorn (`start_gunicorn`), or `python -m <module> --serve --workers N` (which calls `serve`, the
    pre-forked wsgiref server) reading the port it bound."""
    if server == "gunicorn":
        return start_gunicorn(env, workers)
    command = [sys.executable, "-m", module, "--serve", "--workers", str(workers)]
    # Our own interpreter and module, no shell.
    process = subprocess.Popen(  # noqa: S603
        command, cwd=REPO, env={**os.environ, **env}, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("PORT "):
        process.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return ServerProcess(process, int(line.split()[1]))


# --- the clients ------------------------------------------------------------------------------------------


def get(port: int, path: str, cookie: str = "") -> tuple[int, bytes, http.client.HTTPResponse]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read(), response
    finally:
        conn.close()


def cookies_of(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def log_in(port: int, username: str, password: str) -> str:
    """Log in through the back office's login form; returns the Cookie header of the session."""
    status, body, response = get(port, "/office/login/")
    cookies = cookies_of(response)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or token is None or "csrftoken" not in cookies:
        raise SystemExit(f"login page: HTTP {status}")
    form = urlencode(
        {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": password}
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            "/office/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookies['csrftoken']}",
            },
        )
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    session = cookies_of(response).get("sessionid")
    if response.status != 302 or not session:
        raise SystemExit(f"login failed: HTTP {response.status}")
    return f"sessionid={session}; csrftoken={cookies['csrftoken']}"


@dataclass
class PhaseResult:
    name: str
    path: str
    latencies: list[float]  # seconds, sorted
    errors: int
    seconds: float
    stopped_early: bool
    alone_ms: float = 0.0  # median of a few requests sent one at a time before the phase

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000


def alone(port: int, paths: Sequence[str], cookie: str, count: int = 20) -> float:
    """Median latency (ms) of requests sent one at a time: the page's own cost, without queueing."""
    times = []
    for n in range(count):
        started = time.perf_counter()
        get(port, paths[n % len(paths)], cookie)
        times.append(time.perf_counter() - started)
    return percentile(sorted(times), 50) * 1000


def run_phase(
    name: str,
    path: str,
    paths: Sequence[str],
    port: int,
    cookie: str,
    clients: int,
    requests: int,
    limit: float,
    think: float = 0.0,
) -> PhaseResult:
    """`clients` threads send requests back to back until `requests` recorded ones are done (after a warm-up
    of 2 per client) or `limit` seconds have passed. With `think` > 0 each client pauses between requests,
    for a random time averaging `think` seconds (exponential: people reading a page, not a metronome)."""
    warmup = 2 * clients
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + limit
    stopped = False
    recorded_start: list[float] = []

    def client() -> None:
        nonlocal errors, stopped
        pauses = random.Random(threading.get_ident())
        while True:
            n = next(counter)
            if n >= warmup + requests:
                return
            if time.monotonic() > deadline:
                stopped = True
                return
            if think:
                time.sleep(pauses.expovariate(1 / think))
            if n == warmup:
                recorded_start.append(time.perf_counter())
            started = time.perf_counter()
            try:
                status, _body, _response = get(port, paths[n % len(paths)], cookie)
            except OSError:
                status = 0
            elapsed = time.perf_counter() - started
            if n < warmup:
                continue
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors += 1

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    phase_started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    began = recorded_start[0] if recorded_start else phase_started
    return PhaseResult(name, path, sorted(latencies), errors, time.perf_counter() - began, stopped)
