"""The import pages (upload, result, error workbook, template) and the export view.

A web upload is imported by a task after commit: with the immediate backend (as in the tests) it runs once
the on-commit callbacks run, so `django_capture_on_commit_callbacks(execute=True)` stands for the worker.

alice: staff of 阳光社区 (may import and export); carol: staff of 和平社区 (outsider to 阳光社区);
bob: committee of 阳光社区 (may export masked, may not import); mallory: no role at all.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from tests.conftest import World
from tests.core.test_imports import bad_checksum, fake_id
from yangguang.core.actions.imports import check_import_people
from yangguang.core.models import AuditEntry, ImportRun, Person

HEADER = "姓名,身份证号,性别,联系电话,小区,楼栋,单元,房号\n"


def csv_upload(*lines: str, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (HEADER + "".join(lines)).encode("utf-8"), content_type="text/csv")


def good_line(seed: int = 1, name: str = "王小明") -> str:
    return f"{name},{fake_id(seed)},男,13812345678,芙蓉苑,3栋,1单元,501\n"


def bad_line() -> str:
    return f"坏行,{bad_checksum(fake_id(2))},男,13812345678,芙蓉苑,3栋,1单元,502\n"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice(world: World) -> Client:
    return client_for(world.alice)


@pytest.fixture
def run_with_errors(world: World) -> ImportRun:
    upload = csv_upload(good_line(), bad_line())
    return check_import_people(world.alice, world.sunshine, upload, "people.csv")


def sheet(data: bytes) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


# --- the upload page -----------------------------------------------------------------------------------


def test_staff_sees_form_with_their_areas_only(world, alice):
    response = alice.get(reverse("backoffice:import"))
    assert response.status_code == 200
    choices = dict(response.context["form"].fields["area"].choices)
    assert world.sunshine.pk in choices
    assert world.grid.pk in choices
    assert world.peace.pk not in choices
    assert reverse("backoffice:import_template", args=["xlsx"]) in response.content.decode()


@pytest.mark.parametrize("persona", ["bob", "grace", "mallory"])
def test_users_who_may_not_import_get_404(world, persona):
    response = client_for(getattr(world, persona)).get(reverse("backoffice:import"))
    assert response.status_code == 404


def test_anonymous_is_sent_to_login(world):
    response = Client().get(reverse("backoffice:import"))
    assert response.status_code == 302
    assert reverse("backoffice:login") in response["Location"]


def upload(client: Client, area: Any, *lines: str) -> Any:
    return client.post(reverse("backoffice:import"), {"area": area.pk, "file": csv_upload(*lines)})


def test_upload_imports_and_shows_totals_with_error_download(
    world, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(alice, world.sunshine, good_line(), bad_line())
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:import_run", args=[run.pk])
    page = alice.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "读取 2 行 = 新增 1 + 更新 0 + 无变化 0 + 拒绝 1" in text
    assert reverse("backoffice:import_errors", args=[run.pk]) in text
    assert 'http-equiv="refresh"' not in text
    assert "hx-trigger" not in text
    assert (run.source, run.started_by, run.status) == ("web", world.alice, "done")
    assert not run.upload
    assert AuditEntry.objects.filter(action="import", target_id=str(run.pk), actor=world.alice).count() == 1


def test_upload_is_queued_and_its_page_refreshes_itself_until_done(
    world, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        upload(alice, world.sunshine, good_line())
    run = ImportRun.objects.get()
    assert (run.status, run.rows_read) == ("queued", 0)
    assert run.upload
    assert not Person.objects.filter(name="王小明").exists()
    url = reverse("backoffice:import_run", args=[run.pk])
    text = alice.get(url).content.decode()
    assert "排队中" in text
    assert '<meta http-equiv="refresh" content="3">' in text
    assert 'hx-trigger="every 3s"' in text
    assert "读取 0 行" not in text
    assert "排队中" in alice.get(reverse("backoffice:import")).content.decode()

    for callback in callbacks:  # the worker picks the run up
        callback()
    text = alice.get(url).content.decode()
    assert "已完成" in text
    assert "读取 1 行 = 新增 1 + 更新 0 + 无变化 0 + 拒绝 0" in text
    assert 'http-equiv="refresh"' not in text
    assert Person.objects.filter(name="王小明").exists()


def test_same_file_again_while_it_is_queued_is_refused(world, alice):
    upload(alice, world.sunshine, good_line())
    response = upload(alice, world.sunshine, good_line())
    assert response.status_code == 400
    assert "同一文件正在导入到该区域" in response.content.decode()
    assert ImportRun.objects.count() == 1


def test_same_file_into_another_area_or_after_it_finished_is_accepted(world, alice):
    upload(alice, world.sunshine, good_line())
    assert upload(alice, world.grid, good_line()).status_code == 302
    ImportRun.objects.update(status="done")
    assert upload(alice, world.sunshine, good_line()).status_code == 302
    assert ImportRun.objects.count() == 3


def test_run_whose_worker_died_is_shown_failed_and_may_be_uploaded_again(world, alice, settings):
    settings.IMPORT_STALE_HOURS = 2
    upload(alice, world.sunshine, good_line())
    run = ImportRun.objects.get()
    ImportRun.objects.update(status="running", started_at=timezone.now() - datetime.timedelta(hours=3))
    text = alice.get(reverse("backoffice:import_run", args=[run.pk])).content.decode()
    assert "失败" in text
    assert "导入超过 2 小时仍未完成，可能是后台任务进程已停止" in text
    assert 'http-equiv="refresh"' not in text
    assert "hx-trigger" not in text
    assert "失败" in alice.get(reverse("backoffice:import")).content.decode()
    assert upload(alice, world.sunshine, good_line()).status_code == 302


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "空文件"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "photo.csv", "无法识别的文件格式"),
        ("姓名,电话\n张三,1\n".encode(), "people.csv", "缺少必填列"),
        (b"PK\x03\x04broken", "people.xlsx", "无法读取该 Excel 文件"),
    ],
)
def test_bad_file_shows_a_message_and_saves_nothing(world, alice, content, name, message):
    upload = SimpleUploadedFile(name, content)
    response = alice.post(reverse("backoffice:import"), {"area": world.sunshine.pk, "file": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_file_over_the_limit_is_refused_with_a_message(world, alice, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    upload = SimpleUploadedFile("big.csv", b"x" * (1024 * 1024 + 1))
    response = alice.post(reverse("backoffice:import"), {"area": world.sunshine.pk, "file": upload})
    assert response.status_code == 400
    assert "上限为 1 MB" in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_area_outside_jurisdiction_is_refused(world, alice):
    response = alice.post(
        reverse("backoffice:import"), {"area": world.peace.pk, "file": csv_upload(good_line())}
    )
    assert response.status_code == 400
    assert ImportRun.objects.count() == 0
    assert not Person.objects.filter(name="王小明").exists()


def test_past_runs_are_listed_within_jurisdiction_only(world, alice, run_with_errors):
    check_import_people(
        world.carol, world.peace, [{"姓名": "x", "身份证号": "1", "小区": "a", "楼栋": "b", "房号": "c"}]
    )
    response = alice.get(reverse("backoffice:import"))
    runs = list(response.context["page"].object_list)
    assert runs == [run_with_errors]


def test_run_list_query_count_does_not_grow(world, alice, django_assert_max_num_queries):
    for _ in range(5):
        check_import_people(world.alice, world.sunshine, csv_upload(good_line()), "people.csv")
    with django_assert_max_num_queries(8):
        response = alice.get(reverse("backoffice:import"))
    assert len(response.context["page"].object_list) == 5


# --- result and error workbook -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["carol", "bob", "mallory", "grace"])
def test_outsider_gets_404_on_result_and_error_download(world, run_with_errors, persona):
    client = client_for(getattr(world, persona))
    assert client.get(reverse("backoffice:import_run", args=[run_with_errors.pk])).status_code == 404
    assert client.get(reverse("backoffice:import_errors", args=[run_with_errors.pk])).status_code == 404


def test_street_admin_above_the_area_may_open_the_run(world, run_with_errors):
    client = client_for(world.erin)
    assert client.get(reverse("backoffice:import_run", args=[run_with_errors.pk])).status_code == 200


def test_error_workbook_download_is_the_rejected_rows_and_is_audited(world, alice, run_with_errors):
    response = alice.get(reverse("backoffice:import_errors", args=[run_with_errors.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = sheet(response.content)
    assert rows[0][-1] == "错误原因"
    assert rows[1][0] == "坏行"
    assert rows[1][-1] == "身份证号码校验位错误"
    entry = AuditEntry.objects.filter(action="export", target_type="importrun").get()
    assert entry.actor == world.alice


def test_error_workbook_after_the_retention_period_is_gone_with_a_message(world, alice, run_with_errors):
    ImportRun.objects.update(started_at=timezone.now() - datetime.timedelta(days=31))
    call_command("purge_import_files", stdout=io.StringIO())
    response = alice.get(reverse("backoffice:import_errors", args=[run_with_errors.pk]))
    assert response.status_code == 410
    assert "已按保留期限删除" in response.content.decode()
    page = alice.get(reverse("backoffice:import_run", args=[run_with_errors.pk])).content.decode()
    assert "读取 2 行 = 新增 1 + 更新 0 + 无变化 0 + 拒绝 1" in page
    assert "已在导入 31 天后按保留期限删除" in page
    assert reverse("backoffice:import_errors", args=[run_with_errors.pk]) not in page


def test_error_workbook_whose_file_is_missing_answers_410(world, alice, run_with_errors):
    run_with_errors.error_report.storage.delete(run_with_errors.error_report.name)
    response = alice.get(reverse("backoffice:import_errors", args=[run_with_errors.pk]))
    assert response.status_code == 410
    assert "错误报告文件已不存在" in response.content.decode()


def test_run_without_errors_has_no_download(world, alice):
    run = check_import_people(world.alice, world.sunshine, csv_upload(good_line()), "people.csv")
    assert alice.get(reverse("backoffice:import_errors", args=[run.pk])).status_code == 404
    assert "没有被拒绝的行" in alice.get(reverse("backoffice:import_run", args=[run.pk])).content.decode()


# --- template ------------------------------------------------------------------------------------------


def test_template_downloads(world, alice):
    xlsx = alice.get(reverse("backoffice:import_template", args=["xlsx"]))
    assert xlsx.status_code == 200
    assert sheet(xlsx.content)[0][:2] == ["姓名", "身份证号"]
    csv = alice.get(reverse("backoffice:import_template", args=["csv"]))
    assert csv.content.decode("utf-8-sig").startswith("姓名,身份证号,性别,出生日期")
    assert (
        client_for(world.mallory).get(reverse("backoffice:import_template", args=["csv"])).status_code == 404
    )


# --- export --------------------------------------------------------------------------------------------


def test_export_persons_with_the_list_filters(world, alice, run_with_errors):
    url = reverse("backoffice:export", args=["persons", "csv"])
    response = alice.get(url, {"q": "王"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("王小明,")
    assert fake_id(1) not in response.content.decode("utf-8-sig")
    entry = AuditEntry.objects.filter(action="export").get()
    assert entry.changes["filters"] == {"q": "王"}


def test_carols_export_has_nothing_of_sunshine(world, run_with_errors):
    client = client_for(world.carol)
    for kind in ("persons", "households", "dwellings"):
        response = client.get(reverse("backoffice:export", args=[kind, "xlsx"]))
        assert response.status_code == 200
        text = str(sheet(response.content))
        assert "芙蓉苑" not in text
        assert "阳光社区" not in text


def test_export_of_an_area_outside_jurisdiction_is_404(world):
    response = client_for(world.carol).get(
        reverse("backoffice:export", args=["persons", "csv"]), {"area": world.sunshine.pk}
    )
    assert response.status_code == 404


def test_committee_export_is_masked(world, run_with_errors):
    response = client_for(world.bob).get(reverse("backoffice:export", args=["persons", "csv"]))
    text = response.content.decode("utf-8-sig")
    assert "王*明" in text
    assert "王小明" not in text


@pytest.mark.parametrize("persona", ["mallory", "grace"])
def test_users_without_export_capability_get_404(world, persona):
    response = client_for(getattr(world, persona)).get(reverse("backoffice:export", args=["persons", "xlsx"]))
    assert response.status_code == 404


def test_unknown_export_kind_or_format_is_404(world, alice):
    assert alice.get("/office/export/merchants.xlsx").status_code == 404
    assert alice.get("/office/export/persons.pdf").status_code == 404


def test_person_list_links_to_export_with_the_same_filters(client, world):
    client.force_login(world.alice)
    body = client.get("/office/persons/", {"q": "张"}).content.decode()
    assert "/office/export/persons.xlsx?q=%E5%BC%A0" in body


def test_list_has_no_export_link_for_roles_without_export(client, world):
    client.force_login(world.grace)
    body = client.get("/office/persons/").content.decode()
    assert "/office/export/" not in body
