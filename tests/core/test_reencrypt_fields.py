"""`manage.py reencrypt_fields`: field-key rotation without a flag day.

The story: everything below is sealed under k1; the operator puts a new key k2 first
(YANGGUANG_FIELD_KEYS=k2:…,k1:…), runs the command, and may then remove k1. The data cover every kind of
ciphertext: residents' ID numbers and phones, a case's reporter phone (on the case and its reporter), an SMS
notification's address, an import's error workbook and a queued upload.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import World
from tests.core.test_cases import new_case
from tests.core.test_import_runs import csv_bytes, queue
from yangguang.core.actions import audit, imports, notify, registry
from yangguang.core.actions.privacy import do_reveal
from yangguang.core.management.commands.reencrypt_fields import inventory, sealed_columns
from yangguang.core.models import AuditEntry, Case, CaseReporter, ImportRun, Notification, Person
from yangguang.core.models.base import SealedFieldsMixin
from yangguang.core.sealing import keyring
from yangguang.lib.crypto import CryptoError, Keyring, generate_key, token_key_id

KEYS = {"k0": generate_key(), "k1": generate_key(), "k2": generate_key()}
PHONE = "13812345678"

UseKeys = Callable[..., None]


@pytest.fixture
def use_keys(settings: Any) -> Iterator[UseKeys]:
    """`use_keys("k2", "k1")` configures YANGGUANG_FIELD_KEYS=k2:…,k1:… (the first encrypts). Starts on k1."""

    def use(*key_ids: str) -> None:
        settings.FIELD_ENCRYPTION_KEYS = {key_id: KEYS[key_id] for key_id in key_ids}
        settings.FIELD_ENCRYPTION_CURRENT = key_ids[0]
        keyring.cache_clear()

    use("k1")
    yield use
    keyring.cache_clear()


@dataclass
class Sealed:
    world: World
    case: Case
    notification: Notification
    report_run: ImportRun
    queued_run: ImportRun


@pytest.fixture
def sealed(use_keys: UseKeys, world: World) -> Sealed:
    """One of each kind of ciphertext, all under k1 (use_keys comes first, so the world is sealed under k1).

    Three residents have an ID number (the world's two and one imported), two a phone."""
    _set_phone(world.person, PHONE)
    case = new_case(world)
    [notification] = notify.to_reporter(case.reporters.get(), "测试", "内容", case)
    report_run = imports.check_import_people(world.alice, world.sunshine, csv_bytes(1, bad=2), "people.csv")
    assert report_run.error_report
    queued_run = queue(world, csv_bytes(3))
    assert queued_run.upload
    return Sealed(world, case, notification, report_run, queued_run)


def _set_phone(person: Person, phone: str) -> Person:
    person = Person.objects.get(pk=person.pk)
    before = audit.snapshot(person)
    person.set_sealed("phone", phone)
    return registry.do_save_record(None, person, before=before)


def _tokens() -> dict[str, list[str]]:
    """Every stored ciphertext (text columns, and file names for files), by column."""
    found: dict[str, list[str]] = {}
    for column in sealed_columns():
        values = (
            column.manager.exclude(**{column.field: ""}).order_by("pk").values_list(column.field, flat=True)
        )
        found[column.context] = [str(value) for value in values]
    return found


def _key_ids() -> dict[str, dict[str | None, int]]:
    return {column.context: dict(counts) for column, counts in inventory(sealed_columns()).items() if counts}


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("reencrypt_fields", *args, stdout=out, stderr=out)
    return out.getvalue()


def _rotation_entries() -> Any:
    return AuditEntry.objects.filter(target_type="field_keys")


# --- what is covered -----------------------------------------------------------------------------------


def test_every_column_the_code_encrypts_is_covered_with_its_own_context():
    contexts = {column.context for column in sealed_columns()}
    from django.apps import apps

    for model in apps.get_app_config("core").get_models():
        if issubclass(model, SealedFieldsMixin):
            for field in model.SEALED_FIELDS:
                assert f"{model._meta.label_lower}.{field}" in contexts
    assert notify._CONTEXT in contexts
    assert {imports.ERROR_REPORT_CONTEXT, imports.UPLOAD_CONTEXT} <= contexts
    assert len(contexts) == len(sealed_columns())


def test_the_data_starts_under_the_old_key(sealed):
    counts = _key_ids()
    assert set(counts) == {
        "core.person.id_number",
        "core.person.phone",
        "core.case.reporter_phone",
        "core.casereporter.phone",
        "core.notification.address",
        "core.importrun.error_report",
        "core.importrun.upload",
    }
    assert all(set(by_key) == {"k1"} for by_key in counts.values())


# --- dry run -------------------------------------------------------------------------------------------


def test_dry_run_counts_per_column_and_key_and_writes_nothing(sealed, use_keys):
    use_keys("k2", "k1")
    before = _tokens()
    output = _run("--dry-run")
    assert "core.person.id_number：k1 3 个" in output
    assert "core.notification.address：k1 1 个" in output
    assert "core.importrun.error_report：k1 1 个" in output
    total = sum(len(values) for values in before.values())
    assert f"试运行：需要用密钥 k2 重新加密 {total} 个密文（k1 {total} 个），未做任何修改。" in output
    assert _tokens() == before
    assert not _rotation_entries().exists()


# --- rotation ------------------------------------------------------------------------------------------


def test_rotation_puts_every_ciphertext_under_the_new_key_and_keeps_it_readable(sealed, use_keys):
    person = Person.objects.get(pk=sealed.world.person.pk)
    indexes = (person.id_number_index, person.phone_index, person.phone_masked, person.updated_at)
    use_keys("k2", "k1")

    output = _run()

    assert all(set(by_key) == {"k2"} for by_key in _key_ids().values())
    assert "密钥 k1：0 个（已不再使用，可以从 YANGGUANG_FIELD_KEYS 中删除，但须与旧备份一起保存）" in output
    person.refresh_from_db()
    # Blind indexes and masks depend on no field key; re-encryption touches nothing else either.
    assert (person.id_number_index, person.phone_index, person.phone_masked, person.updated_at) == indexes
    assert person.unseal("id_number") == "43010219500101123X"
    assert person.unseal("phone") == PHONE


def test_old_key_can_be_removed_after_rotation(sealed, use_keys):
    use_keys("k2", "k1")
    _run()
    use_keys("k2")  # k1 is gone from the configuration

    world = sealed.world
    person = Person.objects.get(pk=world.person.pk)
    assert do_reveal(world.alice, person, "id_number", "核对低保申请材料") == "43010219500101123X"
    assert do_reveal(world.alice, person, "phone", "核对低保申请材料") == PHONE
    assert Case.objects.get(pk=sealed.case.pk).unseal("reporter_phone") == PHONE
    assert CaseReporter.objects.get(case=sealed.case).unseal("phone") == PHONE
    notification = Notification.objects.get(pk=sealed.notification.pk)
    assert keyring().decrypt(notification.address_enc, context=notify._CONTEXT) == PHONE
    workbook = imports.error_report_bytes(ImportRun.objects.get(pk=sealed.report_run.pk))
    assert workbook.startswith(b"PK")  # an .xlsx file
    run = imports.do_run_queued_import(sealed.queued_run.pk)
    assert run is not None and run.status == "done"


def test_ciphertexts_stay_bound_to_their_model_and_field(sealed, use_keys):
    use_keys("k2", "k1")
    _run()
    person = Person.objects.get(pk=sealed.world.person.pk)
    assert token_key_id(person.id_number_enc) == "k2"
    with pytest.raises(CryptoError):
        keyring().decrypt(person.id_number_enc, context="core.person.phone")
    with pytest.raises(CryptoError):
        keyring().decrypt(person.id_number_enc, context="core.casereporter.phone")


def test_replaced_import_files_are_deleted(sealed, use_keys):
    old_name = sealed.report_run.error_report.name
    storage = sealed.report_run.error_report.storage
    use_keys("k2", "k1")
    _run()
    new_name = ImportRun.objects.get(pk=sealed.report_run.pk).error_report.name
    assert new_name != old_name
    assert storage.exists(new_name)
    assert not storage.exists(old_name)


def test_second_run_changes_nothing_and_says_so(sealed, use_keys):
    use_keys("k2", "k1")
    _run()
    after_first = _tokens()
    output = _run()
    assert "所有密文都已使用当前密钥 k2 加密，无需重新加密，未做任何修改。" in output
    assert "密钥 k1：0 个（已不再使用，可以从 YANGGUANG_FIELD_KEYS 中删除，但须与旧备份一起保存）" in output
    assert _tokens() == after_first
    assert _rotation_entries().count() == 1


def test_a_run_writes_one_audit_entry_by_the_system(sealed, use_keys):
    use_keys("k2", "k1")
    _run()
    entry = _rotation_entries().get()
    assert (entry.actor, entry.actor_name, entry.action, entry.target_id) == (None, "系统", "update", "k2")
    assert entry.area == sealed.world.district  # so that the district's administrators can read it
    assert entry.changes["completed"] is True
    assert entry.changes["reencrypted"]["core.person.id_number"] == 3
    assert entry.changes["remaining"]["k1"] == 0
    assert "43010219500101123X" not in str(entry.changes)


def test_progress_is_reported_batch_by_batch(sealed, use_keys):
    use_keys("k2", "k1")
    output = _run("--batch-size", "1")
    assert "core.person.id_number：已重新加密 1 / 3" in output
    assert "core.person.id_number：已重新加密 3 / 3" in output


def test_values_written_during_rotation_under_the_new_key_are_left_alone(sealed, use_keys):
    use_keys("k2", "k1")
    world = sealed.world
    person = _set_phone(world.other_person, "13900001111")  # edited on the web after the restart: under k2
    token = Person.objects.get(pk=person.pk).phone_enc
    _run()
    assert Person.objects.get(pk=person.pk).phone_enc == token


def test_an_interrupted_run_keeps_its_batches_and_the_next_run_finishes(sealed, use_keys, monkeypatch):
    use_keys("k2", "k1")
    encrypt = Keyring.encrypt
    calls = {"n": 0}

    def power_cut_on_the_second_value(self: Keyring, plaintext: str, *, context: str) -> str:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("断电")
        return encrypt(self, plaintext, context=context)

    monkeypatch.setattr(Keyring, "encrypt", power_cut_on_the_second_value)
    with pytest.raises(RuntimeError):
        _run("--batch-size", "1")
    monkeypatch.undo()

    totals: Counter[str | None] = Counter()
    for by_key in _key_ids().values():
        totals.update(by_key)
    assert totals["k2"] == 1  # the first batch was committed, the second rolled back
    entry = _rotation_entries().get()
    assert entry.changes["completed"] is False
    assert sum(entry.changes["reencrypted"].values()) == 1

    _run()
    assert all(set(by_key) == {"k2"} for by_key in _key_ids().values())
    assert _rotation_entries().count() == 2


def test_values_under_a_key_no_longer_configured_are_reported_and_fail_the_command(sealed, use_keys):
    use_keys("k0")
    _set_phone(sealed.world.other_person, "13900001111")
    use_keys("k2", "k1")  # k0 was dropped before its values were re-encrypted

    out = io.StringIO()
    with pytest.raises(CommandError, match="1 个密文无法解密"):
        call_command("reencrypt_fields", stdout=out, stderr=out)
    output = out.getvalue()
    assert "core.person.phone：1 个密文无法解密" in output
    assert "密钥 k0：1 个（未配置此密钥，这些密文无法读取）" in output
    assert _key_ids()["core.person.phone"] == {"k0": 1, "k2": 2}
    assert set(_key_ids()["core.person.id_number"]) == {"k2"}


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(CommandError, match="每批行数"):
        _run("--batch-size", "0")
