"""Area management pages: a new child area, name and code, and the area-tree import (upload → preview →
confirm), with the buttons on the area pages.

erin: district administrator of 示范区; sam: the district-admin role at 东风街道 only (a street admin);
alice: staff of 阳光社区 (sees it, may not manage areas); dave: street discipline secretary of 东风街道
(sees the street, may not manage areas); carol: staff of 和平社区 (outsider to 阳光社区); mallory: no role.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.conftest import World, make_user
from yangguang.core import tabular
from yangguang.core.actions import areas
from yangguang.core.models import Area, AuditEntry
from yangguang.core.permissions import Role

HEADERS = ["街道", "社区/村", "类型", "网格", "编码"]
IMPORT = reverse("backoffice:area_import")
APPLY = reverse("backoffice:area_import_apply")
ERRORS = reverse("backoffice:area_import_errors")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_url(area: Area) -> str:
    return reverse("backoffice:area_add", args=[area.pk])


def edit_url(area: Area) -> str:
    return reverse("backoffice:area_edit", args=[area.pk])


def detail_url(area: Area) -> str:
    return reverse("backoffice:area_detail", args=[area.pk])


@pytest.fixture
def sam(world: World) -> Any:
    return make_user("sam", "街道管理员", Role.DISTRICT_ADMIN, world.street)


def xlsx_upload(rows: list[list[str]], name: str = "区域.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tabular.write_xlsx(HEADERS, rows), content_type=tabular.XLSX_CONTENT_TYPE)


def preview(client: Client, area: Area, upload: SimpleUploadedFile) -> Any:
    return client.post(IMPORT, {"area": area.pk, "file": upload})


# --- access --------------------------------------------------------------------------------------------


def test_anonymous_visitors_go_to_the_login_page(world: World) -> None:
    response = Client().get(add_url(world.street))
    assert response.status_code == 302
    assert reverse("backoffice:login") in response["Location"]


def test_outsider_gets_404(world: World) -> None:
    carol = client_for(world.carol)
    assert carol.get(add_url(world.sunshine)).status_code == 404
    assert carol.get(edit_url(world.sunshine)).status_code == 404
    mallory = client_for(world.mallory)
    for url in (add_url(world.street), edit_url(world.street), IMPORT):
        assert mallory.get(url).status_code == 404


def test_readers_without_manage_areas_get_403(world: World) -> None:
    assert client_for(world.alice).get(edit_url(world.sunshine)).status_code == 403
    assert client_for(world.dave).get(add_url(world.street)).status_code == 403
    response = client_for(world.dave).post(edit_url(world.street), {"name": "东风新街道", "code": ""})
    assert response.status_code == 403
    world.street.refresh_from_db()
    assert world.street.name == "东风街道"


def test_import_pages_are_only_for_area_managers(world: World) -> None:
    for user in (world.alice, world.dave, world.mallory):
        client = client_for(user)
        assert client.get(IMPORT).status_code == 404
        assert client.get(reverse("backoffice:area_import_template", args=["xlsx"])).status_code == 404


def test_street_admin_cannot_create_a_street(world: World, sam: Any) -> None:
    client = client_for(sam)
    assert client.get(add_url(world.district)).status_code == 404
    response = client.post(add_url(world.street), {"kind": "street", "name": "新华街道"})
    assert response.status_code == 400
    assert "请选择有效的类型。" in response.content.decode()
    assert not Area.objects.filter(name="新华街道").exists()


def test_nothing_can_be_added_under_a_grid(world: World) -> None:
    assert client_for(world.erin).get(add_url(world.grid)).status_code == 404


# --- buttons -------------------------------------------------------------------------------------------


def test_area_page_offers_management_only_to_area_managers(world: World, sam: Any) -> None:
    page = client_for(world.erin).get(detail_url(world.district)).content.decode()
    assert add_url(world.district) in page
    assert edit_url(world.district) in page
    assert f"{IMPORT}?area={world.district.pk}" in page
    grid_page = client_for(world.erin).get(detail_url(world.grid)).content.decode()
    assert edit_url(world.grid) in grid_page and add_url(world.grid) not in grid_page
    street_page = client_for(sam).get(detail_url(world.street)).content.decode()
    assert add_url(world.street) in street_page
    for user, area in ((world.alice, world.sunshine), (world.dave, world.street)):
        page = client_for(user).get(detail_url(area)).content.decode()
        assert edit_url(area) not in page and add_url(area) not in page and IMPORT not in page


def test_area_tree_links_to_the_import_for_area_managers_only(world: World) -> None:
    url = reverse("backoffice:area_list")
    assert IMPORT in client_for(world.erin).get(url).content.decode()
    assert IMPORT not in client_for(world.dave).get(url).content.decode()


# --- create and edit -----------------------------------------------------------------------------------


def test_district_admin_adds_a_street(world: World) -> None:
    client = client_for(world.erin)
    page = client.get(add_url(world.district))
    assert page.status_code == 200
    assert "在“示范区”下新增区域" in page.content.decode()
    response = client.post(
        add_url(world.district), {"kind": "street", "name": "新华街道", "code": "430102005"}
    )
    street = Area.objects.get(parent=world.district, name="新华街道")
    assert response.status_code == 302
    assert response["Location"] == detail_url(street)
    assert street.code == "430102005"
    assert "已新增“新华街道”。" in client.get(response["Location"]).content.decode()


def test_street_admin_adds_a_village_to_her_street(world: World, sam: Any) -> None:
    response = client_for(sam).post(add_url(world.street), {"kind": "village", "name": "桃源村"})
    assert response.status_code == 302
    assert Area.objects.get(parent=world.street, name="桃源村").kind == "village"


def test_duplicate_name_is_refused_on_the_form(world: World) -> None:
    response = client_for(world.erin).post(add_url(world.street), {"kind": "community", "name": "阳光　社区"})
    assert response.status_code == 400
    assert "“东风街道”下已有名为“阳光社区”的区域。" in response.content.decode()
    assert Area.objects.filter(parent=world.street).count() == 2


def test_rename_and_code_change(world: World) -> None:
    client = client_for(world.erin)
    page = client.get(edit_url(world.peace)).content.decode()
    assert 'value="和平社区"' in page
    response = client.post(edit_url(world.peace), {"name": "和平里社区", "code": "C-02"})
    assert response.status_code == 302
    world.peace.refresh_from_db()
    assert (world.peace.name, world.peace.code) == ("和平里社区", "C-02")
    assert AuditEntry.objects.filter(
        target_type="area", target_id=str(world.peace.pk), action="update"
    ).exists()


def test_rename_to_a_sibling_name_is_refused_on_the_form(world: World) -> None:
    response = client_for(world.erin).post(edit_url(world.peace), {"name": "阳光社区", "code": ""})
    assert response.status_code == 400
    assert "已有名为“阳光社区”的区域" in response.content.decode()
    world.peace.refresh_from_db()
    assert world.peace.name == "和平社区"


# --- import --------------------------------------------------------------------------------------------


def test_template_downloads(world: World) -> None:
    client = client_for(world.erin)
    response = client.get(reverse("backoffice:area_import_template", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"] == tabular.XLSX_CONTENT_TYPE
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0] == HEADERS
    csv = client.get(reverse("backoffice:area_import_template", args=["csv"]))
    assert csv.content.decode("utf-8-sig").strip() == ",".join(HEADERS)


def test_import_form_lists_only_districts_and_streets_in_reach(world: World, sam: Any) -> None:
    choices = dict(client_for(sam).get(IMPORT).context["form"].fields["area"].choices)
    assert list(choices.values()) == ["东风街道"]
    erin_choices = client_for(world.erin).get(IMPORT).context["form"].fields["area"].choices
    assert [label.strip("\u3000") for _pk, label in erin_choices] == ["示范区", "东风街道", "西湖街道"]


def test_preview_then_confirm_creates_the_areas(world: World) -> None:
    client = client_for(world.erin)
    rows = [
        ["新华街道", "新华社区", "社区", "第一网格", ""],
        ["新华街道", "新华社区", "社区", "第二网格", ""],
        ["东风街道", "阳光社区", "社区", "一网格", ""],
    ]
    before = Area.objects.count()
    response = preview(client, world.district, xlsx_upload(rows))
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.applied
    assert dict(result.new_by_kind()) == {"街道/乡镇": 1, "社区": 1, "村": 0, "网格": 2}
    assert result.unchanged == 3
    page = response.content.decode()
    assert "这是预览，还没有保存任何数据。" in page
    assert "确认导入，新建 4 个区域" in page
    assert Area.objects.count() == before

    applied = client.post(APPLY, {"payload": response.context["payload"]})
    assert applied.status_code == 200
    assert applied.context["result"].applied
    assert "导入完成。" in applied.content.decode()
    street = Area.objects.get(parent=world.district, name="新华街道")
    assert sorted(Area.objects.filter(path__startswith=street.path).values_list("name", flat=True)) == [
        "新华社区",
        "新华街道",
        "第一网格",
        "第二网格",
    ]
    assert AuditEntry.objects.filter(action="import", actor=world.erin).count() == 1
    # Confirming the same preview again finds everything in place and creates nothing.
    again = client.post(APPLY, {"payload": response.context["payload"]})
    assert again.context["result"].new == []
    assert Area.objects.count() == before + 4


def test_messy_sheet_reports_each_bad_row_with_its_line(world: World) -> None:
    rows = [
        ["", "", "", "", ""],  # line 2: blank, skipped
        ["　新华街道　", "新华　社区", "社区", "第一网格", ""],  # line 3: full-width spaces, fine
        ["新华街道", "新华社区", "小区", "第二网格", ""],  # line 4: wrong kind
        ["", "", "", "", ""],  # line 5: blank
        ["新华街道", "", "", "第三网格", ""],  # line 6: grid without community
        ["西湖街道", "明月村", "社区", "", ""],  # line 7: 明月村 is a village
        ["新华街道", "新华社区", "", "第一网格", ""],  # line 8: the same grid as line 3
    ]
    client = client_for(world.erin)
    response = preview(client, world.district, xlsx_upload(rows))
    assert response.status_code == 200
    result = response.context["result"]
    assert {row.line: row.errors for row in result.rejected} == {
        4: ["类型只能填写“社区”或“村”，不能是“小区”"],
        6: ["填写了网格“第三网格”，但没有填写它所属的社区/村"],
        7: ["“明月村”在系统中是村，表中填写为社区"],
    }
    assert [node.path_label for node in result.new] == [
        "新华街道",
        "新华街道 › 新华社区",
        "新华街道 › 新华社区 › 第一网格",
    ]
    page = response.content.decode()
    assert "类型只能填写“社区”或“村”，不能是“小区”" in page

    workbook = client.post(ERRORS, {"payload": response.context["payload"]})
    assert workbook.status_code == 200
    assert "attachment" in workbook["Content-Disposition"]
    sheet_rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(workbook.content)).get_sheet_by_index(0).to_python()
    )
    assert sheet_rows[0] == [*HEADERS, "错误原因"]
    assert [row[-1] for row in sheet_rows[1:]] == [
        "类型只能填写“社区”或“村”，不能是“小区”",
        "填写了网格“第三网格”，但没有填写它所属的社区/村",
        "“明月村”在系统中是村，表中填写为社区",
    ]

    client.post(APPLY, {"payload": response.context["payload"]})
    assert Area.objects.filter(name__in=["新华街道", "新华社区", "第一网格"]).count() == 3
    assert not Area.objects.filter(name__in=["第二网格", "第三网格"]).exists()


def test_csv_upload_in_gbk_is_read(world: World) -> None:
    data = ("街道,社区/村,类型,网格,编码\r\n新华街道,桃源村,村,,\r\n").encode("gb18030")
    upload = SimpleUploadedFile("区域.csv", data, content_type="text/csv")
    response = preview(client_for(world.erin), world.district, upload)
    assert [node.name for node in response.context["result"].new] == ["新华街道", "桃源村"]


def test_street_admin_imports_into_her_street_but_not_the_district(world: World, sam: Any) -> None:
    client = client_for(sam)
    refused = preview(client, world.district, xlsx_upload([["新华街道", "", "", "", ""]]))
    assert refused.status_code == 400
    response = preview(client, world.street, xlsx_upload([["东风街道", "滨江社区", "社区", "", ""]]))
    assert response.status_code == 200
    client.post(APPLY, {"payload": response.context["payload"]})
    assert Area.objects.get(parent=world.street, name="滨江社区").kind == "community"


def test_unreadable_file_is_answered_on_the_form(world: World) -> None:
    upload = SimpleUploadedFile("区域.xlsx", b"not a workbook", content_type=tabular.XLSX_CONTENT_TYPE)
    response = preview(client_for(world.erin), world.district, upload)
    assert response.status_code == 400
    assert "不是有效的 Excel 工作簿" in response.content.decode()


def test_too_many_rows_are_refused_on_the_form(world: World) -> None:
    rows = [[f"街道{n}", "", "", "", ""] for n in range(areas.MAX_IMPORT_ROWS + 1)]
    upload = SimpleUploadedFile("big.csv", tabular.write_csv(HEADERS, rows), content_type="text/csv")
    response = preview(client_for(world.erin), world.district, upload)
    assert response.status_code == 400
    assert "超过了区域导入 5000 行的上限" in response.content.decode()


def test_a_forged_or_foreign_preview_is_refused(world: World, sam: Any) -> None:
    response = preview(client_for(world.erin), world.district, xlsx_upload([["新华街道", "", "", "", ""]]))
    payload = response.context["payload"]
    for client, value in ((client_for(world.erin), payload + "x"), (client_for(sam), payload)):
        refused = client.post(APPLY, {"payload": value}, follow=True)
        assert "导入预览已过期或无效，请重新上传文件。" in refused.content.decode()
    assert not Area.objects.filter(name="新华街道").exists()


def test_a_preview_for_an_area_the_user_lost_is_404(world: World, sam: Any) -> None:
    """A signed preview names its target; the target is checked again on confirmation."""
    salt = f"yangguang.areas.import:{sam.pk}"
    payload = signing.dumps(
        {
            "area": world.district.pk,
            "filename": "x.csv",
            "headers": HEADERS,
            "columns": HEADERS,
            "rows": [["新华街道", "", "", "", ""]],
            "lines": [2],
        },
        salt=salt,
        compress=True,
    )
    assert client_for(sam).post(APPLY, {"payload": payload}).status_code == 404
    assert not Area.objects.filter(name="新华街道").exists()
