"""The production nginx site (deploy/nginx/yangguang.conf), run by a real nginx.

tests/test_deploy_files.py reads the site file as text; here Debian's nginx loads it and answers real HTTP and
HTTPS requests on loopback ports. The file is used as it is, except for what only exists on a server: the
host name becomes `localhost`, the static root and the Let's Encrypt certificate become files in a temporary
directory, ports 80/443 become free ports on 127.0.0.1 (no IPv6 listens), and gunicorn's address becomes a
small HTTP server in this process that records what nginx forwards. Each substitution must match exactly,
so a change to the site file fails here loudly instead of silently testing something else. The top-level
nginx.conf mirrors the http block of Debian's /etc/nginx/nginx.conf, which includes the site in production.

No nginx: skipped, or a failure with CI=true (scripts/setup.sh installs Debian's nginx).
"""

from __future__ import annotations

import email.utils
import gzip
import http.client
import ipaddress
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NoReturn

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

SITE = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "yangguang.conf"
HOST = "localhost"
TIMEOUT = 5.0
MB = 1024 * 1024
# The client address nginx sees; a client's own X-Real-IP claims another.
FAKE_IP = "203.0.113.9"
HASHED_CSS = "site.0123456789ab.css"
PLAIN_CSS = "site.css"
CSS = b"body { color: #222; }\n" * 40
# The .gz siblings hold different text, so a gzip response proves nginx sent the file, not its own gzip.
CSS_GZ_TEXT = b"/* the pre-compressed copy */\n" * 40
UPSTREAM_PAGE = b"<!doctype html><p>gunicorn</p>\n" * 64


def _no_nginx(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the nginx site test must run; scripts/setup.sh installs nginx)")
    pytest.skip(f"{reason}; run scripts/setup.sh (apt-get install nginx)")


def _nginx_binary() -> str:
    # /usr/sbin is not on every user's PATH.
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        _no_nginx("nginx not found on PATH or in /usr/sbin")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _replace(text: str, old: str, new: str, count: int = 1) -> str:
    found = text.count(old)
    assert found == count, f"expected {old!r} {count} time(s) in {SITE.name}, found it {found} time(s)"
    return text.replace(old, new)


# --- what stands in for the server: certificate, static files, gunicorn -------------------------------


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _collected_static(directory: Path) -> Path:
    """Like collectstatic's output: a hashed and an unhashed name, each with a .gz sibling."""
    static = directory / "static"
    static.mkdir()
    for name in (HASHED_CSS, PLAIN_CSS):
        (static / name).write_bytes(CSS)
        (static / f"{name}.gz").write_bytes(gzip.compress(CSS_GZ_TEXT))
    return static


@dataclass
class Forwarded:
    """One request as gunicorn would receive it from nginx."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body_bytes: int

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


def _upstream_handler(seen: list[Forwarded]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            remaining = int(self.headers.get("Content-Length") or 0)
            received = 0
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, MB))
                if not chunk:
                    break
                received += len(chunk)
                remaining -= len(chunk)
            seen.append(Forwarded(self.command, self.path, list(self.headers.items()), received))
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(UPSTREAM_PAGE)))
            self.end_headers()
            self.wfile.write(UPSTREAM_PAGE)

        do_POST = do_GET

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


# --- nginx --------------------------------------------------------------------------------------------


def _site_config(static: Path, cert: Path, key: Path, http_port: int, https_port: int, app_port: int) -> str:
    text = SITE.read_text(encoding="utf-8")
    # First to markers, so that the check below cannot confuse a server value with a test value.
    text = _replace(text, "/etc/letsencrypt/live/__DOMAIN__/fullchain.pem;", "@CERT@;")
    text = _replace(text, "/etc/letsencrypt/live/__DOMAIN__/privkey.pem;", "@KEY@;")
    text = _replace(text, "server_name __DOMAIN__;", f"server_name {HOST};", count=2)
    text = _replace(text, "alias /var/lib/yangguang/static/;", "alias @STATIC@/;")
    text = _replace(text, "    listen 80;\n", "    listen 127.0.0.1:@HTTP_PORT@;\n")
    text = _replace(text, "    listen [::]:80;\n", "")
    text = _replace(text, "    listen 443 ssl http2;\n", "    listen 127.0.0.1:@HTTPS_PORT@ ssl http2;\n")
    text = _replace(text, "    listen [::]:443 ssl http2;\n", "")
    text = _replace(text, "server 127.0.0.1:8000;", "server 127.0.0.1:@APP_PORT@;")
    # Nothing of the real server is left outside comments (the sed line in a comment names __DOMAIN__).
    directives = re.sub(r"#.*", "", text)
    for leftover in ("__DOMAIN__", "/etc/", "/var/", "[::]", ":80", ":443", ":8000"):
        assert leftover not in directives, f"{SITE.name} names {leftover!r} that this test does not replace"
    listens = re.findall(r"^\s*listen\s+([^\s;]+)", directives, re.M)
    assert listens == ["127.0.0.1:@HTTP_PORT@", "127.0.0.1:@HTTPS_PORT@"]
    values = {
        "@CERT@": cert,
        "@KEY@": key,
        "@STATIC@": static,
        "@HTTP_PORT@": http_port,
        "@HTTPS_PORT@": https_port,
        "@APP_PORT@": app_port,
    }
    for marker, value in values.items():
        text = text.replace(marker, str(value))
    return text


def _main_config(prefix: Path, mime_types: Path | None) -> str:
    types = f"include {mime_types};" if mime_types else "types { text/html html; text/css css; }"
    # Debian's /etc/nginx/nginx.conf, minus user and modules, with every path inside the prefix.
    return f"""
daemon off;
master_process off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    {types}
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {prefix}/access.log;
    gzip on;
    include {prefix}/site.conf;
}}
"""


def _mime_types(nginx: str) -> Path | None:
    version = subprocess.run([nginx, "-V"], capture_output=True, text=True, timeout=TIMEOUT).stderr  # noqa: S603
    conf_path = re.search(r"--conf-path=(\S+)", version)
    candidate = Path(conf_path[1]).parent / "mime.types" if conf_path else Path("/etc/nginx/mime.types")
    return candidate if candidate.is_file() else None


@dataclass
class Site:
    prefix: Path
    http_port: int
    https_port: int
    cert: Path
    forwarded: list[Forwarded] = field(default_factory=list)


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"nginx exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    pytest.fail(f"nginx did not listen on 127.0.0.1:{port} within {TIMEOUT} s")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    nginx = _nginx_binary()
    prefix = tmp_path_factory.mktemp("nginx")
    cert, key = _self_signed(prefix)
    static = _collected_static(prefix)
    forwarded: list[Forwarded] = []
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _upstream_handler(forwarded))
    upstream.daemon_threads = True
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    try:
        http_port, https_port = _free_port(), _free_port()
        app_port = int(upstream.server_address[1])
        (prefix / "site.conf").write_text(
            _site_config(static, cert, key, http_port, https_port, app_port), encoding="utf-8"
        )
        conf = prefix / "nginx.conf"
        conf.write_text(_main_config(prefix, _mime_types(nginx)), encoding="utf-8")
        command = [nginx, "-p", f"{prefix}/", "-c", str(conf), "-e", str(prefix / "error.log")]

        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=10)  # noqa: S603
        assert checked.returncode == 0, f"nginx -t failed:\n{checked.stderr}"
        # nginx 1.25+ (newer than Debian 12's 1.22) prefers `http2 on;` to `listen ... http2`.
        warnings = [line for line in checked.stderr.splitlines() if "[warn]" in line and "http2" not in line]
        assert not warnings, "nginx -t warned:\n" + "\n".join(warnings)

        log = prefix / "nginx.out"
        with log.open("wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            _wait_until_listening(process, https_port, log)
            _wait_until_listening(process, http_port, log)
            yield Site(prefix, http_port, https_port, cert, forwarded)
        finally:
            process.terminate()
            try:
                process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=TIMEOUT)
    finally:
        upstream.shutdown()
        upstream.server_close()


@pytest.fixture(autouse=True)
def _fresh_upstream_log(site: Site) -> None:
    site.forwarded.clear()


# --- clients ------------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def _tls(site: Site) -> ssl.SSLContext:
    """Trusts exactly the test's certificate, with host name checks."""
    return ssl.create_default_context(cafile=str(site.cert))


def _send(
    conn: http.client.HTTPConnection, method: str, path: str, headers: dict[str, str], body: bytes | None
) -> Reply:
    try:
        conn.request(method, path, body=body, headers={"Host": HOST, **headers})
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def _https(
    site: Site,
    path: str,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    body: bytes | None = None,
) -> Reply:
    conn = http.client.HTTPSConnection("127.0.0.1", site.https_port, context=_tls(site), timeout=TIMEOUT)
    reply = _send(conn, method, path, headers or {}, body)
    # On every HTTPS answer, whichever location (or error) produced it.
    assert reply.header("Strict-Transport-Security") == "max-age=31536000", (path, reply.status)
    assert reply.header("Server") == "nginx", (path, reply.status)
    return reply


def _http(site: Site, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", site.http_port, timeout=TIMEOUT)
    return _send(conn, method, path, headers or {}, None)


def _seconds_until_expiry(reply: Reply) -> float:
    expires = email.utils.parsedate_to_datetime(reply.header("Expires") or "")
    date = email.utils.parsedate_to_datetime(reply.header("Date") or "")
    return (expires - date).total_seconds()


# --- plain HTTP ---------------------------------------------------------------------------------------


def test_plain_http_moves_to_https_with_the_same_path_and_query(site: Site) -> None:
    for method, path in [
        ("GET", "/"),
        ("GET", "/portal/cases/?page=2&q=%E4%B8%AD%E6%96%87"),
        ("POST", "/accounts/login/?next=/backoffice/"),
        ("GET", "/static/" + HASHED_CSS),
        ("GET", "/media/cases/photo.jpg"),
    ]:
        reply = _http(site, path, method=method, headers={"Host": f"{HOST}:{site.http_port}"})
        assert reply.status == 301, path
        assert reply.header("Location") == f"https://{HOST}{path}"
    assert site.forwarded == []


def test_plain_http_does_not_tell_the_nginx_version(site: Site) -> None:
    reply = _http(site, "/")
    assert reply.header("Server") == "nginx"
    assert b"nginx/" not in reply.body


# --- TLS ----------------------------------------------------------------------------------------------


def test_tls_13_and_12_with_http2_offered(site: Site) -> None:
    for maximum, expected in [(ssl.TLSVersion.TLSv1_3, "TLSv1.3"), (ssl.TLSVersion.TLSv1_2, "TLSv1.2")]:
        context = _tls(site)
        context.maximum_version = maximum
        context.set_alpn_protocols(["h2", "http/1.1"])
        with (
            socket.create_connection(("127.0.0.1", site.https_port), timeout=TIMEOUT) as raw,
            context.wrap_socket(raw, server_hostname=HOST) as tls,
        ):
            assert tls.version() == expected
            assert tls.selected_alpn_protocol() == "h2"


# --- static files -------------------------------------------------------------------------------------


def test_hashed_static_file_is_cached_for_a_year(site: Site) -> None:
    reply = _https(site, f"/static/{HASHED_CSS}")
    assert reply.status == 200
    assert reply.body == CSS
    assert reply.header("Content-Type") == "text/css"
    assert reply.header("Cache-Control") == "max-age=31536000"
    assert _seconds_until_expiry(reply) == 365 * 24 * 3600
    assert site.forwarded == []


def test_unhashed_static_file_is_cached_for_ten_minutes(site: Site) -> None:
    for name in (PLAIN_CSS, "site.0123456789a.css", "site.0123456789AB.css"):
        if name != PLAIN_CSS:
            (site.prefix / "static" / name).write_bytes(CSS)
        reply = _https(site, f"/static/{name}")
        assert reply.status == 200, name
        assert reply.header("Cache-Control") == "max-age=600", name
        assert _seconds_until_expiry(reply) == 600


def test_browser_that_accepts_gzip_gets_the_precompressed_copy(site: Site) -> None:
    for name in (HASHED_CSS, PLAIN_CSS):
        reply = _https(site, f"/static/{name}", headers={"Accept-Encoding": "gzip, deflate, br"})
        assert reply.status == 200
        assert reply.header("Content-Encoding") == "gzip"
        assert gzip.decompress(reply.body) == CSS_GZ_TEXT
        assert reply.header("Content-Type") == "text/css"
        # The same URL answers differently by Accept-Encoding: caches on the way must keep both apart.
        assert reply.header("Vary") == "Accept-Encoding"
        expected = "max-age=31536000" if name == HASHED_CSS else "max-age=600"
        assert reply.header("Cache-Control") == expected


def test_browser_without_gzip_gets_the_plain_file(site: Site) -> None:
    reply = _https(site, f"/static/{HASHED_CSS}", headers={"Accept-Encoding": "identity"})
    assert reply.header("Content-Encoding") is None
    assert reply.body == CSS


def test_missing_static_file_is_404_from_nginx(site: Site) -> None:
    assert _https(site, "/static/missing.0123456789ab.css").status == 404
    assert _https(site, "/static/").status in (403, 404)  # no directory listing
    assert site.forwarded == []


def test_static_files_are_not_in_the_access_log(site: Site) -> None:
    # nginx writes a request's log line just after answering it, so wait for the line of a later request.
    probe = f"probe={time.monotonic_ns()}"
    _https(site, f"/static/{HASHED_CSS}?{probe}")
    _https(site, f"/portal/?{probe}")
    access_log = site.prefix / "access.log"
    deadline = time.monotonic() + TIMEOUT
    while f"GET /portal/?{probe} " not in access_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.01)
    text = access_log.read_text()
    assert f"GET /portal/?{probe} " in text
    assert f"GET /static/{HASHED_CSS}?{probe} " not in text


# --- uploaded files -----------------------------------------------------------------------------------


def test_uploaded_files_are_never_served_or_forwarded(site: Site) -> None:
    for path in [
        "/media/anything",
        "/media/",
        "/media/cases/2024/photo.jpg?download=1",
        "/static/../media/receipts/r.pdf",  # nginx resolves the dots before choosing a location
        "//media/imports/errors.xlsx",
        "/%6Dedia/cases/photo.jpg",
    ]:
        assert _https(site, path).status == 404, path
        assert _https(site, path, method="POST", body=b"x").status == 404, path
    assert site.forwarded == []


# --- the application ----------------------------------------------------------------------------------


def test_other_paths_reach_gunicorn_with_path_query_and_host(site: Site) -> None:
    reply = _https(site, "/portal/cases/?page=2&q=%E4%B8%AD")
    assert reply.status == 200
    assert reply.body == UPSTREAM_PAGE
    [request] = site.forwarded
    assert (request.method, request.path) == ("GET", "/portal/cases/?page=2&q=%E4%B8%AD")
    assert request.values("Host") == [HOST]


def test_nginx_replaces_the_clients_scheme_and_address_headers(site: Site) -> None:
    _https(
        site,
        "/api/cases/",
        headers={
            "X-Forwarded-Proto": "http",
            "X-Real-IP": FAKE_IP,
            # gunicorn's other two scheme headers: a disagreement would make gunicorn refuse the request.
            "X-Forwarded-Ssl": "off",
            "X-Forwarded-Protocol": "http",
        },
    )
    [request] = site.forwarded
    assert request.values("X-Forwarded-Proto") == ["https"]
    assert request.values("X-Real-IP") == ["127.0.0.1"]
    assert request.values("X-Forwarded-Ssl") == []
    assert request.values("X-Forwarded-Protocol") == []


def test_headers_with_underscores_are_dropped(site: Site) -> None:
    # gunicorn takes SCRIPT_NAME and PATH_INFO from a trusted proxy (its forwarder_headers), and any
    # X_Real_IP would compete with nginx's header; nginx drops header names with underscores.
    _https(
        site,
        "/portal/",
        headers={"SCRIPT_NAME": "/evil", "PATH_INFO": "/backoffice/", "X_Real_IP": FAKE_IP},
    )
    [request] = site.forwarded
    names = {name.lower() for name, _ in request.headers}
    assert not {"script_name", "path_info", "x_real_ip"} & names


def test_pages_from_gunicorn_are_gzipped(site: Site) -> None:
    reply = _https(site, "/portal/", headers={"Accept-Encoding": "gzip"})
    assert reply.header("Content-Encoding") == "gzip"
    assert gzip.decompress(reply.body) == UPSTREAM_PAGE


def test_upload_over_the_import_limit_reaches_the_application(site: Site) -> None:
    # So that the application, not nginx, refuses a spreadsheet that is too big (with a message in Chinese).
    size = (settings.IMPORT_MAX_UPLOAD_MB + 1) * MB
    reply = _https(site, "/backoffice/imports/", method="POST", body=bytes(size))
    assert reply.status == 200
    [request] = site.forwarded
    assert request.body_bytes == size


def test_body_over_60_mb_is_refused_by_nginx(site: Site) -> None:
    conn = http.client.HTTPSConnection("127.0.0.1", site.https_port, context=_tls(site), timeout=TIMEOUT)
    try:
        conn.putrequest("POST", "/backoffice/imports/", skip_host=True)
        conn.putheader("Host", HOST)
        conn.putheader("Content-Length", str(60 * MB + 1))
        conn.endheaders(b"PK\x03\x04" + bytes(1020))  # refused on the header; the rest is never sent
        response = conn.getresponse()
        assert response.status == 413
        assert response.getheader("Strict-Transport-Security") == "max-age=31536000"
        assert b"nginx/" not in response.read()
    finally:
        conn.close()
    assert site.forwarded == []
