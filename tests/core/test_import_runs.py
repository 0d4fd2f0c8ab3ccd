"""Web imports in the background (`check_queue_import_people`, the `import_people` task) and the retention of
import files (`do_purge_import_files`, `manage.py purge_import_files`, `manage.py sla_checks`).

Personas from conftest: alice is staff of 阳光社区; carol is staff of 和平社区 (outsider to 阳光社区). With the
immediate task backend (as in the tests) the task runs when the on-commit callbacks run.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import World
from tests.core.test_imports import bad_checksum, fake_id
from yangguang.core.actions import imports
from yangguang.core.actions.imports import (
    check_import_people,
    check_queue_import_people,
    do_purge_import_files,
    do_run_queued_import,
)
from yangguang.core.models import AuditEntry, ImportRun, Person, RoleAssignment

HEADER = "姓名,身份证号,性别,联系电话,小区,楼栋,单元,房号\n"


def csv_bytes(*seeds: int, bad: int | None = None) -> bytes:
    lines = [f"王小明{seed},{fake_id(seed)},男,13812345678,芙蓉苑,3栋,1单元,501\n" for seed in seeds]
    if bad is not None:
        lines.append(f"坏行,{bad_checksum(fake_id(bad))},男,13812345678,芙蓉苑,3栋,1单元,502\n")
    return (HEADER + "".join(lines)).encode("utf-8")


def queue(world: World, data: bytes, area: Any = None, actor: Any = None) -> ImportRun:
    return check_queue_import_people(actor or world.alice, area or world.sunshine, data, "people.csv")


def age(run: ImportRun, **delta: float) -> None:
    ImportRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - datetime.timedelta(**delta))


# --- queued web imports --------------------------------------------------------------------------------


def test_queued_run_is_imported_after_commit_with_one_audit_entry(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = queue(world, csv_bytes(1, 2, bad=3))
    run.refresh_from_db()
    assert run.status == "done"
    assert (run.rows_read, run.rows_created, run.rows_rejected) == (3, 2, 1)
    assert run.finished_at is not None
    assert run.error_report
    assert not run.upload
    entry = AuditEntry.objects.get(action="import", target_id=str(run.pk))
    assert (entry.actor, entry.changes["created"]) == (world.alice, 2)
    assert Person.objects.filter(name="王小明1").exists()


def test_queued_run_waits_with_its_sealed_upload_until_a_worker_runs_it(world):
    run = queue(world, csv_bytes(1))
    assert (run.status, run.source, run.started_by) == ("queued", "web", world.alice)
    with run.upload.open("rb") as handle:
        stored = handle.read()
    assert fake_id(1).encode() not in stored
    assert not Person.objects.filter(name="王小明1").exists()
    assert not AuditEntry.objects.filter(action="import").exists()

    assert do_run_queued_import(run.pk).status == "done"  # type: ignore[union-attr]
    assert Person.objects.filter(name="王小明1").exists()
    assert do_run_queued_import(run.pk) is None  # a second worker finds nothing to do


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "文件是空的"), ("姓名,电话\n张三,1\n".encode(), "缺少必填列")],
)
def test_unreadable_upload_is_refused_before_anything_is_queued(world, data, message):
    with pytest.raises(ValidationError, match=message):
        queue(world, data)
    assert ImportRun.objects.count() == 0


def test_outsider_cannot_queue_an_import(world):
    with pytest.raises(PermissionDenied):
        queue(world, csv_bytes(1), actor=world.carol)
    assert ImportRun.objects.count() == 0


def test_same_file_is_refused_while_queued_or_running_in_the_same_area_only(world):
    first = queue(world, csv_bytes(1))
    with pytest.raises(ValidationError, match="同一文件正在导入到该区域"):
        queue(world, csv_bytes(1))
    ImportRun.objects.filter(pk=first.pk).update(status="running")
    with pytest.raises(ValidationError, match="导入中"):
        queue(world, csv_bytes(1))
    queue(world, csv_bytes(1), area=world.grid)
    queue(world, csv_bytes(2))
    assert ImportRun.objects.count() == 3


def test_import_fails_with_the_reason_when_the_uploader_lost_the_right_to_import(world):
    run = queue(world, csv_bytes(1))
    RoleAssignment.objects.filter(user=world.alice).delete()
    done = do_run_queued_import(run.pk)
    assert done is not None
    assert done.status == "failed"
    assert "您没有在该区域导入人口信息的权限" in done.message
    assert not done.upload
    assert not Person.objects.filter(name="王小明1").exists()


def test_unexpected_error_fails_the_run_saves_nothing_and_is_raised_for_the_task_log(world, monkeypatch):
    run = queue(world, csv_bytes(1))

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports._Writer, "apply", broken)
    with pytest.raises(RuntimeError):
        do_run_queued_import(run.pk)
    run.refresh_from_db()
    assert run.status == "failed"
    assert "意外错误" in run.message
    assert not run.upload
    assert not Person.objects.filter(name="王小明1").exists()


def test_missing_upload_fails_the_run_with_a_message(world):
    run = queue(world, csv_bytes(1))
    run.upload.storage.delete(run.upload.name)
    done = do_run_queued_import(run.pk)
    assert done is not None
    assert done.status == "failed"
    assert "无法读取已上传的文件" in done.message


def test_run_failed_by_someone_else_while_importing_saves_nothing(world, monkeypatch):
    run = queue(world, csv_bytes(1))
    load_table = imports.load_table

    def purge_meanwhile(*args: Any) -> Any:
        # The purge fails the run (as stale) between the claim and the import's transaction.
        ImportRun.objects.filter(pk=run.pk).update(status="failed", message="stale")
        return load_table(*args)

    monkeypatch.setattr(imports, "load_table", purge_meanwhile)
    do_run_queued_import(run.pk)
    run.refresh_from_db()
    assert (run.status, run.message) == ("failed", "stale")
    assert not Person.objects.filter(name="王小明1").exists()
    assert not AuditEntry.objects.filter(action="import").exists()


def test_stuck_run_is_shown_failed_after_the_stale_limit(world, settings):
    settings.IMPORT_STALE_HOURS = 2
    run = queue(world, csv_bytes(1))
    ImportRun.objects.filter(pk=run.pk).update(status="running")
    age(run, hours=1)
    run.refresh_from_db()
    assert (run.in_progress, run.shown_status) == (True, "running")
    age(run, hours=3)
    run.refresh_from_db()
    assert (run.in_progress, run.shown_status, run.get_shown_status_display()) == (False, "failed", "失败")
    assert "导入超过 2 小时仍未完成" in run.shown_message


def test_late_worker_fails_a_stale_queued_run_instead_of_importing_it(world):
    run = queue(world, csv_bytes(1))
    age(run, hours=5)
    assert do_run_queued_import(run.pk) is None
    run.refresh_from_db()
    assert run.status == "failed"
    assert "仍未完成" in run.message
    assert not Person.objects.filter(name="王小明1").exists()


def test_command_line_import_stays_synchronous(world):
    run = check_import_people(None, world.sunshine, csv_bytes(1), "people.csv", source="cli")
    assert (run.status, run.rows_created) == ("done", 1)
    assert not run.upload


# --- retention -----------------------------------------------------------------------------------------


def test_purge_deletes_error_workbooks_older_than_the_setting_only(world, settings):
    settings.IMPORT_FILES_DAYS = 30
    old = check_import_people(world.alice, world.sunshine, csv_bytes(1, bad=2), "old.csv")
    recent = check_import_people(world.alice, world.sunshine, csv_bytes(3, bad=4), "recent.csv")
    age(old, days=31)
    age(recent, days=29)
    old_name = old.error_report.name
    storage = old.error_report.storage

    result = do_purge_import_files()

    assert result.reports == [(old.pk, old_name)]
    assert not storage.exists(old_name)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.error_report
    assert old.report_deleted_at is not None
    assert old.report_deleted_after_days == 31
    assert (old.rows_read, old.rows_created, old.rows_rejected) == (2, 1, 1)
    assert recent.error_report
    assert storage.exists(recent.error_report.name)
    assert recent.report_deleted_at is None
    entry = AuditEntry.objects.get(action="delete", target_type="importrun")
    assert (entry.target_id, entry.actor_name) == (str(old.pk), "系统")

    again = do_purge_import_files()
    assert (again.reports, again.uploads, again.failed) == ([], [], [])
    assert AuditEntry.objects.filter(action="delete", target_type="importrun").count() == 1


def test_purge_fails_stuck_runs_and_deletes_uploads_no_run_needs(world, settings):
    stuck = queue(world, csv_bytes(1))
    waiting = queue(world, csv_bytes(2))
    finished = queue(world, csv_bytes(3))
    ImportRun.objects.filter(pk=stuck.pk).update(status="running")
    age(stuck, hours=3)
    ImportRun.objects.filter(pk=finished.pk).update(status="done")
    stuck_upload, finished_upload = stuck.upload.name, finished.upload.name

    result = do_purge_import_files()

    assert result.failed == [stuck.pk]
    assert sorted(result.uploads) == sorted([(stuck.pk, stuck_upload), (finished.pk, finished_upload)])
    stuck.refresh_from_db()
    waiting.refresh_from_db()
    assert (stuck.status, bool(stuck.upload)) == ("failed", False)
    assert "仍未完成" in stuck.message
    assert (waiting.status, bool(waiting.upload)) == ("queued", True)
    assert waiting.upload.storage.exists(waiting.upload.name)


def test_purge_command_prints_what_it_deleted(world):
    run = check_import_people(world.alice, world.sunshine, csv_bytes(1, bad=2), "people.csv")
    age(run, days=40)
    out = io.StringIO()
    call_command("purge_import_files", stdout=out)
    text = out.getvalue()
    assert f"已删除导入记录 {run.pk} 的错误报告" in text
    assert "删除错误报告 1 份、上传的文件 0 份（保留 30 天）" in text
    out = io.StringIO()
    call_command("purge_import_files", stdout=out)
    assert "删除错误报告 0 份、上传的文件 0 份" in out.getvalue()


def test_sla_checks_also_purges_import_files(world):
    run = check_import_people(world.alice, world.sunshine, csv_bytes(1, bad=2), "people.csv")
    age(run, days=40)
    out = io.StringIO()
    call_command("sla_checks", stdout=out)
    assert "删除错误报告 1 份" in out.getvalue()
    run.refresh_from_db()
    assert not run.error_report


def test_purge_also_covers_other_kinds_of_import(world):
    run = ImportRun.objects.create(area=world.sunshine, kind="welfare_roster", filename="roster.xlsx")
    run.error_report.save("roster-errors.xlsx", ContentFile(b"sealed"), save=True)
    age(run, days=40)
    assert [pk for pk, _name in do_purge_import_files().reports] == [run.pk]
