"""Typed helpers that read settings from environment variables and fail loudly on bad values.

Every variable read here is listed in `.env.example`. A value that does not parse stops start-up with a
message naming the variable, rather than silently falling back to a default.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """An environment variable holds a value that cannot be used."""


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ConfigError(f"environment variable {name} is required")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"environment variable {name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"environment variable {name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def dev_secrets(path: Path) -> dict[str, str]:
    """Load (or create on first use) the development secrets file under var/.

    Only used when the corresponding environment variables are unset and DEBUG is on; production
    deployments must set YANGGUANG_SECRET_KEY, YANGGUANG_FIELD_KEYS and YANGGUANG_INDEX_KEY.
    """
    import base64

    if path.exists():
        data: dict[str, str] = json.loads(path.read_text())
        return data
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "secret_key": secrets.token_urlsafe(50),
        "field_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "index_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }
    # Write to a private temporary file, then link it into place: when two processes start at once
    # (parallel test workers), exactly one file wins and both read the same secrets.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)
    except FileExistsError:
        data = json.loads(path.read_text())
    finally:
        tmp.unlink()
    return data


def cache_config(url: str, var_dir: Path) -> tuple[dict[str, dict[str, object]], bool]:
    """CACHES from one URL, and whether that cache is shared by every process of the deployment.

    - `locmem://` (the default): each process keeps its own; nothing to run, nothing shared.
    - `file:///srv/yangguang/cache` (or `file://cache`, relative to YANGGUANG_VAR_DIR): shared by the
      processes of one machine, no service needed.
    - `redis://host:6379/1` or `rediss://…`: shared by every machine using that Redis.

    A shared cache also holds the sessions in front of the database (one query less on every staff page),
    and makes the per-IP limits kept in the cache hold across processes."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigError(f"YANGGUANG_CACHE_URL must look like 'redis://host:port/db', not {url!r}")
    scheme = scheme.lower()
    if scheme == "locmem":
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}, False
    if scheme == "file":
        if not rest:
            raise ConfigError(
                "YANGGUANG_CACHE_URL=file:// needs a directory, e.g. file:///srv/yangguang/cache"
            )
        location = Path(rest) if rest.startswith("/") else var_dir / rest
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(location),
            }
        }, True
    if scheme in {"redis", "rediss"}:
        return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}, True
    raise ConfigError(f"YANGGUANG_CACHE_URL: unknown cache {scheme!r} (use locmem://, file://… or redis://…)")
