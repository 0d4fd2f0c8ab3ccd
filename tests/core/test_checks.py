"""The system checks of yangguang/core/checks.py: malformed keys stop every manage.py command; settings fit
for a demonstration but not for residents' data are reported by `check --deploy`."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from yangguang.core.checks import check_encryption_keys, check_production_settings
from yangguang.lib.crypto import generate_key

GOOD = generate_key()
OTHER = generate_key()
MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def _ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


@pytest.fixture
def keys(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Well-formed keys configured the way settings.py reads them from the environment."""
    monkeypatch.setenv("YANGGUANG_FIELD_KEYS", f"k2:{GOOD},k1:{OTHER}")
    settings.FIELD_ENCRYPTION_KEYS = {"k2": GOOD, "k1": OTHER}
    settings.FIELD_ENCRYPTION_CURRENT = "k2"
    settings.BLIND_INDEX_KEY = generate_key()
    return settings


# --- keys: errors ---------------------------------------------------------------------------------------


def test_well_formed_keys_pass(keys):
    assert check_encryption_keys() == []


def test_the_development_keys_pass():
    assert check_encryption_keys() == []


@pytest.mark.parametrize(
    "value",
    [
        "not base64!",
        base64.urlsafe_b64encode(b"sixteen byte key").decode(),
        base64.urlsafe_b64encode(b"x" * 33).decode(),
        "",
    ],
)
def test_a_field_key_that_is_not_32_bytes_of_base64_is_an_error(keys, value):
    keys.FIELD_ENCRYPTION_KEYS = {"k2": GOOD, "k1": value}
    [error] = check_encryption_keys()
    assert error.id == "yangguang.E001"
    assert "YANGGUANG_FIELD_KEYS" in error.msg and "k1" in error.msg
    assert "generate_key" in str(error.hint)


def test_messages_never_show_key_material(keys):
    keys.FIELD_ENCRYPTION_KEYS = {"k2": GOOD, "k1": GOOD[:-4]}
    keys.BLIND_INDEX_KEY = GOOD
    messages = check_encryption_keys()
    assert messages
    for message in messages:
        assert GOOD[:20] not in f"{message.msg} {message.hint}"


def test_a_malformed_index_key_is_an_error(keys):
    keys.BLIND_INDEX_KEY = "abc"
    [error] = check_encryption_keys()
    assert error.id == "yangguang.E002"
    assert "YANGGUANG_INDEX_KEY" in error.msg


def test_a_repeated_key_id_is_an_error(keys, monkeypatch):
    # settings.py keeps one key per id, so the repeat is only visible in the variable itself.
    monkeypatch.setenv("YANGGUANG_FIELD_KEYS", f"k2:{generate_key()},k1:{OTHER},k2:{GOOD}")
    [error] = check_encryption_keys()
    assert error.id == "yangguang.E003"
    assert "k2" in error.msg and "2 次" in error.msg


def test_without_the_variable_there_is_nothing_to_repeat(keys, monkeypatch):
    monkeypatch.delenv("YANGGUANG_FIELD_KEYS")
    assert check_encryption_keys() == []


def test_a_field_key_equal_to_the_index_key_is_an_error(keys):
    keys.BLIND_INDEX_KEY = OTHER
    [error] = check_encryption_keys()
    assert error.id == "yangguang.E004"
    assert "k1" in error.msg


def test_a_key_id_the_keyring_refuses_is_an_error(keys, monkeypatch):
    monkeypatch.setenv("YANGGUANG_FIELD_KEYS", f"新钥:{GOOD}")
    keys.FIELD_ENCRYPTION_KEYS = {"新钥": GOOD}
    keys.FIELD_ENCRYPTION_CURRENT = "新钥"
    [error] = check_encryption_keys()
    assert error.id == "yangguang.E005"


def test_a_key_error_stops_manage_py_commands(keys):
    keys.FIELD_ENCRYPTION_KEYS = {"k2": "abc"}
    with pytest.raises(SystemCheckError, match="yangguang.E001"):
        call_command("check")


# --- production settings: warnings under --deploy ------------------------------------------------------


def _production(settings: Any) -> None:
    settings.DEBUG = False
    settings.DEMO_MODE = False
    settings.REQUIRE_2FA_FOR_PRIVILEGED = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def test_the_production_template_gives_no_warning(settings):
    _production(settings)
    assert check_production_settings() == []


def test_demo_mode_in_production_is_a_warning(settings):
    _production(settings)
    settings.DEMO_MODE = True
    settings.REQUIRE_2FA_FOR_PRIVILEGED = False
    assert _ids(check_production_settings()) == ["yangguang.W001"]


def test_demo_mode_in_development_is_fine(settings):
    _production(settings)
    settings.DEBUG = True
    settings.DEMO_MODE = True
    settings.REQUIRE_2FA_FOR_PRIVILEGED = False
    assert check_production_settings() == []


def test_two_factor_off_without_demo_mode_is_a_warning(settings):
    _production(settings)
    settings.REQUIRE_2FA_FOR_PRIVILEGED = False
    assert _ids(check_production_settings()) == ["yangguang.W002"]


def test_a_per_process_cache_in_production_is_a_warning(settings):
    _production(settings)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert _ids(check_production_settings()) == ["yangguang.W003"]


def test_hashed_static_files_not_collected_is_a_warning(settings, tmp_path: Path):
    _production(settings)
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = MANIFEST_STORAGE
    [warning] = check_production_settings()
    assert warning.id == "yangguang.W004"
    assert "collectstatic" in str(warning.hint)

    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": {}, "version": "1.1"}))
    assert check_production_settings() == []


def test_deployment_warnings_appear_only_under_deploy(settings):
    _production(settings)
    settings.DEMO_MODE = True
    assert "yangguang.W001" not in _ids(run_checks())
    assert "yangguang.W001" in _ids(run_checks(include_deployment_checks=True))


# --- static files --------------------------------------------------------------------------------------


def test_production_settings_name_static_files_by_content_hash(monkeypatch, tmp_path: Path):
    """settings.py itself: outside DEBUG the manifest storage, in development the plain one."""
    import runpy

    settings_file = str(Path(__file__).resolve().parents[2] / "config" / "settings.py")
    monkeypatch.setenv("YANGGUANG_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("YANGGUANG_DEBUG", "false")
    monkeypatch.setenv("YANGGUANG_SECRET_KEY", "s" * 50)
    monkeypatch.setenv("YANGGUANG_FIELD_KEYS", f"k1:{GOOD}")
    monkeypatch.setenv("YANGGUANG_INDEX_KEY", OTHER)
    monkeypatch.setenv("YANGGUANG_SECRET_KEY_FALLBACKS", "old-key-one, old-key-two")
    production = runpy.run_path(settings_file)
    assert production["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert production["SECRET_KEY_FALLBACKS"] == ["old-key-one", "old-key-two"]

    monkeypatch.setenv("YANGGUANG_DEBUG", "true")
    monkeypatch.delenv("YANGGUANG_SECRET_KEY_FALLBACKS")
    development = runpy.run_path(settings_file)
    assert development["STORAGES"]["staticfiles"]["BACKEND"] == (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    assert development["SECRET_KEY_FALLBACKS"] == []
