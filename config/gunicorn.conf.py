"""Gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi` (see docs/deploy.md).

Gunicorn reads this file itself; Django never imports it. Two environment variables tune it:
WEB_CONCURRENCY (worker processes) and YANGGUANG_BIND (listen address). Everything else the application
needs comes from the YANGGUANG_* variables in config/settings.py.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Iterable
from typing import Any

wsgi_app = "config.wsgi:application"

# Loopback only: nginx on the same machine terminates TLS and forwards here. Listening on a public
# address would let clients skip nginx (and its request size and timeout limits).
bind = [os.environ.get("YANGGUANG_BIND") or "127.0.0.1:8000"]


def _cores() -> int:
    # The CPUs this process may run on (respects taskset/CPUAffinity), not every CPU in the machine.
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# Gunicorn's rule of thumb, 2 × cores + 1: while one worker waits on PostgreSQL another uses the CPU.
# Each worker holds its own copy of Django (about 100 MB), so lower WEB_CONCURRENCY on a small machine.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cores() + 1)

# Sync workers: one request per process. The views are plain Django with blocking database calls, so
# threads or gevent would buy little and add the risk of code that is not thread-safe. nginx buffers slow
# clients, so a sync worker is never tied up by a slow phone on a weak network.
worker_class = "sync"

# Registry exports and the supervision ledger (.xlsx/.docx) are built inside the request: the residents of
# the 30,000-person demo district take about 11 s on 2 cores, so a large district's take a minute or more.
# 120 s leaves room for them while a stuck worker is still killed and replaced. nginx's proxy_read_timeout
# (deploy/nginx/yangguang.conf) is a little longer, so that nginx does not give up on a request first.
timeout = 120
# On restart or reload, a worker has this long to finish the request in hand before it is killed.
# systemd's TimeoutStopSec in deploy/systemd/yangguang-web.service is longer than this.
graceful_timeout = 30

# Replace each worker after about 10,000 requests, so that slow memory growth (caches, fragmentation) never
# accumulates. Not much sooner: a new worker spends about a second of CPU loading Django and compiling its
# templates again, which at 1,000 requests added about a millisecond to every request (bench.cases saw
# the restarts in its 95th percentiles). The jitter spreads the restarts so the workers do not all restart
# at the same moment.
max_requests = 10_000
max_requests_jitter = 1_000

# Preloading would share memory between workers, but then a reload (HUP) does not pick up new code and a
# database connection opened at import time would be shared by every worker. Each worker loads the app.
preload_app = False

# Access and error logs to stdout/stderr: systemd's journal collects them (journalctl -u yangguang-web).
# The access log keeps gunicorn's default format.
accesslog = "-"
errorlog = "-"
loglevel = "info"

# Runtime control goes through systemd (reload = HUP, stop = TERM). Gunicorn's control socket would
# otherwise be created in the service user's home directory, which the unit keeps read-only.
control_socket_disable = True

# nginx on the same machine says which requests came over HTTPS (X-Forwarded-Proto) and who the client
# is (X-Real-IP). Gunicorn trusts these headers only from the addresses below, the same default it uses
# for the scheme. Only change this if nginx runs on another machine.
forwarded_allow_ips = "127.0.0.1,::1"

# The client's address. Yangguang reads REMOTE_ADDR only (docs/security.md: login lockout per username and
# IP, the hourly limit on cases per IP, the IP in audit entries), and never X-Forwarded-For, which anyone can
# forge. Behind nginx REMOTE_ADDR would be 127.0.0.1 for everyone: one lockout or one rate limit for the
# whole internet. So each worker's application is wrapped to take X-Real-IP as REMOTE_ADDR, but only when
# the connection itself comes from a trusted proxy above, which sets the header and overwrites any value
# the client sent.
REAL_IP_HEADER = "HTTP_X_REAL_IP"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class RealClientAddress:
    """WSGI wrapper: REMOTE_ADDR becomes the X-Real-IP sent by a trusted proxy; all else is untouched."""

    def __init__(self, app: WsgiApp, trusted: Iterable[str]) -> None:
        self.app = app
        self.trust_all = "*" in trusted
        self.trusted = [ipaddress.ip_network(item, strict=False) for item in trusted if item != "*"]

    def _from_trusted_proxy(self, peer: str) -> bool:
        if self.trust_all:
            return True
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:  # a Unix socket has no address: only local processes can connect to it
            return peer == ""
        return any(address in network for network in self.trusted)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        forwarded = environ.get(REAL_IP_HEADER, "").strip()
        if forwarded and self._from_trusted_proxy(environ.get("REMOTE_ADDR", "")):
            try:
                environ["REMOTE_ADDR"] = str(ipaddress.ip_address(forwarded))
            except ValueError:
                pass  # not an address: keep the proxy's, rather than store garbage in audit entries
        return self.app(environ, start_response)


def post_worker_init(worker: Any) -> None:
    """Gunicorn hook, run in each worker once the application is loaded."""
    worker.wsgi = RealClientAddress(worker.wsgi, worker.cfg.forwarded_allow_ips)
