"""The production deployment files (deploy/, config/gunicorn.conf.py, docs/deploy.md) stay consistent with
the code: the commands, paths and settings they name exist, and gunicorn's configuration loads and passes
the client's address on as docs/security.md requires."""

from __future__ import annotations

import importlib.util
import os
import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core.management import get_commands
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
GUIDE = ROOT / "docs" / "deploy.md"
GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"
SETTINGS = ROOT / "config" / "settings.py"
ENV_TEMPLATE = DEPLOY / "yangguang.env.example"
UNITS = sorted((DEPLOY / "systemd").glob("yangguang-*.*"))
NGINX_SITE = DEPLOY / "nginx" / "yangguang.conf"
SCRIPTS = [DEPLOY / "manage.sh", DEPLOY / "backup.sh"]
# Where the guide installs the code; unit files and nginx name repository files under it.
APP_DIR = "/opt/yangguang/"
VAR_DIR = "/var/lib/yangguang"
PLACEHOLDERS = {"__DOMAIN__", "__DB_PASSWORD__", "__REPOSITORY_URL__"}

ENV_NAME = re.compile(r"\b(YANGGUANG_[A-Z0-9_]+|DATABASE_URL|WEB_CONCURRENCY)\b")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _deploy_texts() -> dict[Path, str]:
    return {
        path: _text(path) for path in [GUIDE, *sorted(DEPLOY.rglob("*")), GUNICORN_CONF] if path.is_file()
    }


def _load_gunicorn_conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    for name in ("WEB_CONCURRENCY", "YANGGUANG_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("yangguang_gunicorn_conf", GUNICORN_CONF)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _gunicorn_settings(module: ModuleType) -> dict[str, Any]:
    """The names gunicorn takes from the file: lower-case, public, not a module, class or import."""
    return {
        name: value
        for name, value in vars(module).items()
        if name[0].islower()
        and name != "annotations"
        and not isinstance(value, (ModuleType, type))
        and getattr(value, "__module__", module.__name__) == module.__name__
    }


# --- environment variables ---------------------------------------------------------------------------


def _names_read_by_settings() -> set[str]:
    return set(re.findall(r'"(YANGGUANG_[A-Z0-9_]+|DATABASE_URL)"', _text(SETTINGS)))


def _names_read_elsewhere() -> set[str]:
    """Read by gunicorn's config (os.environ) or a deploy script (${NAME:-default})."""
    names = set(re.findall(r'os\.environ\.get\("([A-Z0-9_]+)"', _text(GUNICORN_CONF)))
    for script in SCRIPTS:
        names |= set(re.findall(r"\$\{(YANGGUANG_[A-Z0-9_]+)[:?]", _text(script)))
    return names


def test_every_variable_the_deploy_files_name_is_read_by_the_code() -> None:
    known = _names_read_by_settings() | _names_read_elsewhere()
    for path, text in _deploy_texts().items():
        unknown = set(ENV_NAME.findall(text)) - known
        assert not unknown, f"{path.relative_to(ROOT)} names variables nothing reads: {sorted(unknown)}"


def test_the_guide_documents_every_variable_settings_reads() -> None:
    missing = _names_read_by_settings() - set(ENV_NAME.findall(_text(GUIDE)))
    assert not missing, f"docs/deploy.md does not mention {sorted(missing)}"


def test_the_environment_template_lists_every_variable_settings_reads_in_systemd_syntax() -> None:
    listed = set()
    for line in _text(ENV_TEMPLATE).splitlines():
        setting = line.lstrip("#")
        match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=(\S*)", setting)
        if line.startswith("#") and not match:
            continue  # a comment
        assert match or not line.strip(), f"not NAME=value: {line!r}"
        if match:
            listed.add(match[1])
    assert _names_read_by_settings() <= listed


def test_the_environment_template_turns_development_mode_off() -> None:
    lines = _text(ENV_TEMPLATE).splitlines()
    assert "YANGGUANG_DEBUG=false" in lines
    assert "YANGGUANG_DEMO=false" in lines
    assert f"YANGGUANG_VAR_DIR={VAR_DIR}" in lines


def test_placeholders_are_only_the_documented_ones() -> None:
    guide = _text(GUIDE)
    for path, text in _deploy_texts().items():
        for token in set(re.findall(r"__[A-Z_]+__", text)):
            assert token in PLACEHOLDERS, f"{path.relative_to(ROOT)}: unknown placeholder {token}"
            assert token in guide, f"docs/deploy.md does not explain {token}"


# --- commands and paths ------------------------------------------------------------------------------


def _guide_code() -> str:
    """The commands of docs/deploy.md: its code blocks and inline code, not its prose."""
    text = _text(GUIDE)
    blocks = re.findall(r"^```\w*\n(.*?)^```", text, re.M | re.S)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"^```\w*\n.*?^```", "", text, flags=re.M | re.S))
    return "\n".join(blocks + spans)


def test_every_manage_py_command_named_exists() -> None:
    commands = get_commands()
    pattern = re.compile(r"manage\.(?:py|sh) ([a-z_]+)")
    sources = {GUIDE: _guide_code()}
    sources |= {unit: "\n".join(re.findall(r"^ExecStart=.*$", _text(unit), re.M)) for unit in UNITS}
    named = set()
    for path, text in sources.items():
        for command in pattern.findall(text):
            named.add(command)
            assert command in commands, f"{path.relative_to(ROOT)}: no manage.py command {command!r}"
    assert {
        "migrate",
        "collectstatic",
        "compilemessages",
        "check",
        "db_worker",
        "sla_checks",
        "bootstrap_district",
    } <= named


def test_repository_paths_in_units_and_guide_exist() -> None:
    texts = {path: text for path, text in _deploy_texts().items() if path != GUNICORN_CONF}
    for path, text in texts.items():
        for rel in set(re.findall(re.escape(APP_DIR) + r"([\w./*-]+)", text)):
            rel = rel.rstrip(".")
            if rel.startswith(".venv/"):
                continue  # built on the server by step 3
            assert list(ROOT.glob(rel)), (
                f"{path.relative_to(ROOT)} names {APP_DIR}{rel}, not in the repository"
            )
    for rel in re.findall(r"`((?:deploy|config|docs)/[\w./-]+)`", _text(GUIDE)):
        assert (ROOT / rel.rstrip(".")).exists(), f"docs/deploy.md names {rel}"


def test_units_run_the_project_in_its_directory_with_the_environment_file() -> None:
    services = [unit for unit in UNITS if unit.suffix == ".service"]
    assert {unit.name for unit in services} >= {
        "yangguang-web.service",
        "yangguang-worker.service",
        "yangguang-sla.service",
    }
    for unit in services:
        text = _text(unit)
        assert "User=yangguang" in text
        assert re.search(r"^ExecStart=/opt/yangguang/", text, re.M), unit.name
        if "manage.py" in text or "gunicorn" in text:
            assert "WorkingDirectory=/opt/yangguang\n" in text
            assert "EnvironmentFile=/etc/yangguang/yangguang.env\n" in text


def test_each_timer_starts_a_service_that_exists() -> None:
    timers = [unit for unit in UNITS if unit.suffix == ".timer"]
    assert {timer.stem for timer in timers} >= {"yangguang-sla", "yangguang-backup"}
    for timer in timers:
        assert (timer.with_suffix(".service")).exists(), timer.name
        assert "OnCalendar=" in _text(timer)


def test_web_unit_starts_gunicorn_with_the_config_file() -> None:
    text = _text(DEPLOY / "systemd" / "yangguang-web.service")
    assert "ExecStart=/opt/yangguang/.venv/bin/gunicorn --config config/gunicorn.conf.py" in text
    # systemd waits longer than gunicorn's graceful shutdown before it kills.
    stop = int(re.search(r"TimeoutStopSec=(\d+)", text)[1])  # type: ignore[index]
    assert stop > 30


def test_guide_steps_referenced_by_deploy_files_exist() -> None:
    headings = set(re.findall(r"^## (\d+)\. ", _text(GUIDE), re.M))
    for path, text in _deploy_texts().items():
        for number in re.findall(r"docs/deploy\.md,? step (\d+)", text):
            assert number in headings, f"{path.relative_to(ROOT)} refers to step {number}"


def test_deploy_scripts_are_executable() -> None:
    for script in SCRIPTS:
        assert script.stat().st_mode & stat.S_IXUSR, f"{script.relative_to(ROOT)} is not executable"
        assert _text(script).startswith("#!/bin/sh\n")


# --- nginx -------------------------------------------------------------------------------------------


def test_nginx_serves_collected_static_files_from_static_root() -> None:
    text = _text(NGINX_SITE)
    assert settings.STATIC_URL == "/static/"
    # STATIC_ROOT is YANGGUANG_VAR_DIR/static; the guide sets YANGGUANG_VAR_DIR=/var/lib/yangguang.
    assert settings.STATIC_ROOT == settings.VAR_DIR / "static"
    assert f"location /static/ {{\n        alias {VAR_DIR}/static/;" in text


def test_nginx_never_serves_uploaded_files() -> None:
    text = _text(NGINX_SITE)
    assert settings.MEDIA_URL == "/media/"
    assert "location ^~ /media/ {\n        return 404;" in text
    assert "/media" not in re.sub(r"#.*", "", text).replace("location ^~ /media/", "")


def test_nginx_proxies_to_gunicorns_address_with_scheme_and_client_address() -> None:
    text = _text(NGINX_SITE)
    bind = re.search(r"^YANGGUANG_BIND=(.+)$", _text(ENV_TEMPLATE), re.M)[1]  # type: ignore[index]
    assert f"server {bind};" in text
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text
    assert "proxy_set_header X-Real-IP $remote_addr;" in text


def test_nginx_limits_fit_the_application() -> None:
    text = _text(NGINX_SITE)
    body_mb = int(re.search(r"client_max_body_size (\d+)m;", text)[1])  # type: ignore[index]
    assert body_mb > settings.IMPORT_MAX_UPLOAD_MB
    read_timeout = int(re.search(r"proxy_read_timeout (\d+)s;", text)[1])  # type: ignore[index]
    assert read_timeout > 120  # gunicorn's timeout


# --- gunicorn ----------------------------------------------------------------------------------------


def test_gunicorn_config_is_valid_for_gunicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    module = _load_gunicorn_conf(monkeypatch)
    config = Config()
    for name, value in _gunicorn_settings(module).items():
        assert name in config.settings, f"{name} is not a gunicorn setting"
        config.set(name, value)  # gunicorn's own validation
    assert config.worker_class_str == "sync"
    assert config.preload_app is False
    assert config.accesslog == "-"
    assert config.max_requests_jitter > 0


def test_gunicorn_serves_the_projects_wsgi_application(monkeypatch: pytest.MonkeyPatch) -> None:
    module = _load_gunicorn_conf(monkeypatch)
    module_path, _, attribute = module.wsgi_app.partition(":")
    assert settings.WSGI_APPLICATION == f"{module_path}.{attribute}"
    spec = importlib.util.find_spec(module_path)
    assert spec is not None and spec.origin is not None
    assert f"\n{attribute} = " in Path(spec.origin).read_text()


def test_gunicorn_workers_default_to_twice_the_cores_plus_one(monkeypatch: pytest.MonkeyPatch) -> None:
    module = _load_gunicorn_conf(monkeypatch)
    assert module.workers == 2 * len(os.sched_getaffinity(0)) + 1
    assert module.bind == ["127.0.0.1:8000"]


def test_gunicorn_workers_and_address_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    module = _load_gunicorn_conf(monkeypatch, WEB_CONCURRENCY="3", YANGGUANG_BIND="127.0.0.1:9001")
    assert module.workers == 3
    assert module.bind == ["127.0.0.1:9001"]


def _wrapped_app(monkeypatch: pytest.MonkeyPatch, trusted: Iterable[str] = ("127.0.0.1", "::1")) -> Any:
    """The application as a gunicorn worker sees it after the config's post_worker_init hook."""
    module = _load_gunicorn_conf(monkeypatch)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        return [environ["REMOTE_ADDR"].encode()]

    worker = SimpleNamespace(wsgi=app, cfg=SimpleNamespace(forwarded_allow_ips=list(trusted)))
    module.post_worker_init(worker)
    return worker.wsgi


def _remote_addr(app: Any, peer: str, real_ip: str | None) -> str:
    environ = {"REMOTE_ADDR": peer}
    if real_ip is not None:
        environ["HTTP_X_REAL_IP"] = real_ip
    return b"".join(app(environ, lambda *args: None)).decode()


def test_client_address_from_nginx_on_the_same_machine_becomes_remote_addr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _wrapped_app(monkeypatch)
    assert _remote_addr(app, "127.0.0.1", "203.0.113.9") == "203.0.113.9"
    assert _remote_addr(app, "::1", "2001:db8::1") == "2001:db8::1"
    assert _remote_addr(app, "", "203.0.113.9") == "203.0.113.9"  # a Unix socket


def test_client_address_header_from_anyone_else_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _wrapped_app(monkeypatch)
    assert _remote_addr(app, "198.51.100.7", "203.0.113.9") == "198.51.100.7"


def test_client_address_that_is_not_an_address_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _wrapped_app(monkeypatch)
    assert _remote_addr(app, "127.0.0.1", "1.2.3.4, 5.6.7.8") == "127.0.0.1"
    assert _remote_addr(app, "127.0.0.1", None) == "127.0.0.1"


def test_trusted_proxies_may_be_a_network(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _wrapped_app(monkeypatch, trusted=["10.0.0.0/8"])
    assert _remote_addr(app, "10.1.2.3", "203.0.113.9") == "203.0.113.9"
    assert _remote_addr(app, "127.0.0.1", "203.0.113.9") == "127.0.0.1"
