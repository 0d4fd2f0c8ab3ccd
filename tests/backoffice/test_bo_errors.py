"""Back-office errors and drill-downs a usability audit found wanting: the workspace's case figures open
lists of exactly the cases they count, the key forms say what is missing instead of "这个字段是必填项。",
the reveal form brings the user back to itself with an alert beside it, staff intake checks photos with
the other fields and asks for them again, and an upload that is not a spreadsheet is named as such.

bob: committee member of 阳光社区 (sees confidential reporters); dave: street discipline secretary (sees
cases, not confidential reporters); grace: grid worker; alice: staff of 阳光社区.
"""

from __future__ import annotations

import datetime
import html
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.backoffice.test_case_intake import INTAKE, errors_beside, form_data
from tests.backoffice.test_case_page import logged_in, photo
from tests.conftest import World, make_user
from tests.core.test_oversight import new_case
from yangguang.core.models import Case, CaseStatus, RoleAssignment
from yangguang.core.permissions import Role

WORKSPACE = reverse("backoffice:workspace")
QUEUE = reverse("backoffice:case_queue")
REQUIRED = "这个字段是必填项。"
RESELECT = "请重新选择照片（出于安全原因，浏览器不会保留已选择的文件）"
CARD = re.compile(r'<div class="num">(\d+)</div>(?:<a href="([^"]+)">)?([^<]+)')


def status(case: Case, value: str) -> None:
    Case.objects.filter(pk=case.pk).update(status=value)


def small_world(world: World) -> dict[str, Case]:
    """Open and closed cases, confidential or not, one overdue, and one in the neighbouring community."""
    past = timezone.now() - datetime.timedelta(days=2)
    made = {
        "open": new_case(world.grid),
        "open_confidential": new_case(world.grid, confidential=True, reporter_name="王大妈"),
        "community_confidential": new_case(world.sunshine, confidential=True, reporter_name="李阿姨"),
        "overdue": new_case(world.sunshine, due_at=past),
        "closed": new_case(world.grid),
        "satisfied_confidential": new_case(world.grid, confidential=True, reporter_name="赵大爷"),
        "elsewhere": new_case(world.peace, confidential=True, reporter_name="孙奶奶"),
    }
    status(made["closed"], CaseStatus.CLOSED)
    status(made["satisfied_confidential"], CaseStatus.SATISFIED)
    return made


def cards(page: str) -> dict[str, tuple[int, str | None]]:
    """The workspace's cards: label → (number, link or None)."""
    return {
        label.strip(): (int(number), html.unescape(url) if url else None)
        for number, url, label in CARD.findall(page)
    }


def listed(client: Client, url: str) -> list[str]:
    """The case numbers in the queue table the link opens."""
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    if "<tbody" not in body:
        return []
    rows = body.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a href="/office/cases/\d+/">([^<]+)</a>', rows)


# --- 1. the workspace's figures and the lists behind them ----------------------------------------------


def test_each_case_figure_links_to_exactly_the_cases_it_counts(world: World) -> None:
    made = small_world(world)
    client = logged_in(world.bob)
    shown = cards(client.get(WORKSPACE).content.decode())
    expected = {
        "未办结的诉求": {"open", "open_confidential", "community_confidential", "overdue"},
        "已超期的诉求": {"overdue"},
        "反映人要求保密的诉求（未办结）": {"open_confidential", "community_confidential"},
    }
    for label, names in expected.items():
        number, url = shown[label]
        assert url is not None, label
        rows = listed(client, url)
        assert number == len(rows) == len(names), (label, number, rows)
        assert set(rows) == {made[name].number for name in names}, label


def test_status_open_lists_every_open_status_and_no_other(world: World) -> None:
    made = small_world(world)
    rows = listed(logged_in(world.erin), f"{QUEUE}?tab=all&status=open")
    assert made["elsewhere"].number in rows
    assert made["closed"].number not in rows and made["satisfied_confidential"].number not in rows
    assert "未办结" in logged_in(world.erin).get(QUEUE).content.decode()


def test_who_does_not_see_confidential_reporters_gets_no_confidential_link_nor_filter(world: World) -> None:
    made = small_world(world)
    client = logged_in(world.dave)
    number, url = cards(client.get(WORKSPACE, {"area": world.sunshine.pk}).content.decode())[
        "反映人要求保密的诉求（未办结）"
    ]
    assert (number, url) == (2, None)
    page = client.get(QUEUE, {"tab": "all"})
    assert "confidential" not in page.context["filter_form"].fields
    assert "仅看保密诉求" not in page.content.decode()
    # A crafted URL tells nothing: the parameter is ignored.
    plain = listed(client, f"{QUEUE}?tab=all&status=open")
    assert listed(client, f"{QUEUE}?tab=all&status=open&confidential=1") == plain
    assert made["open"].number in plain
    grid_worker = logged_in(world.grace)
    assert "confidential" not in grid_worker.get(QUEUE).context["filter_form"].fields
    assert listed(grid_worker, f"{QUEUE}?tab=all&confidential=on") == listed(grid_worker, f"{QUEUE}?tab=all")


def test_confidential_filter_lists_only_where_the_user_sees_confidential_reporters(world: World) -> None:
    made = small_world(world)
    # Sees the street's cases, and confidential reporters in 阳光社区 only.
    both = make_user("frank", "方舟", Role.STREET_DISCIPLINE, world.street)
    RoleAssignment.objects.create(user=both, role=Role.COMMITTEE_MEMBER, area=world.sunshine)
    client = logged_in(both)
    assert "仅看保密诉求" in client.get(QUEUE).content.decode()
    rows = listed(client, f"{QUEUE}?tab=all&confidential=1")
    assert set(rows) == {
        made["open_confidential"].number,
        made["community_confidential"].number,
        made["satisfied_confidential"].number,
    }
    assert made["elsewhere"].number in listed(client, f"{QUEUE}?tab=all")


# --- 2. specific messages instead of "这个字段是必填项。" ------------------------------------------------


def test_intake_says_what_is_missing(world: World) -> None:
    blank = {name: "" for name in ("channel", "area", "category", "urgency", "description")}
    response = logged_in(world.alice).post(INTAKE, form_data(world, **blank))
    assert errors_beside(response, "description") == ["请填写问题描述：发生了什么、在哪里、持续多久。"]
    assert errors_beside(response, "category") == ["请选择问题分类。"]
    assert errors_beside(response, "area") == ["请选择问题发生的社区或网格。"]
    assert errors_beside(response, "channel") == [
        "请选择来源渠道：热线电话、来访、网格员巡查或廉情联络员转达。"
    ]
    assert errors_beside(response, "urgency") == ["请选择紧急程度。"]
    assert REQUIRED not in response.content.decode()


def test_empty_comment_says_what_is_missing(world: World) -> None:
    case = new_case(world.grid)
    response = logged_in(world.alice).post(
        reverse("backoffice:case_comment", args=[case.pk]), {"comment-note": ""}
    )
    page = response.content.decode()
    assert "请填写意见或备注的内容。" in page and REQUIRED not in page


# --- 3. the reveal form: back at the form, with an alert beside it -------------------------------------


def reveal_section(page: str) -> str:
    return page.split('<section id="reveal"', 1)[1].split("</section>", 1)[0]


def test_person_reveal_without_a_reason_returns_to_the_form_with_an_alert(world: World) -> None:
    client = logged_in(world.alice)
    detail = client.get(reverse("backoffice:person_detail", args=[world.person.pk])).content.decode()
    url = reverse("backoffice:person_reveal", args=[world.person.pk])
    assert f'action="{url}#reveal"' in reveal_section(detail)
    page = client.post(url, {"field": "id_number", "reason": ""}).content.decode()
    section = reveal_section(page)
    alert = section.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert "请填写查看事由，例如“核对低保申请材料”。" in alert
    assert section.index('role="alert"') < section.index("<form")
    assert REQUIRED not in page


def test_case_reveal_without_a_reason_returns_to_the_form_with_an_alert(world: World) -> None:
    case = new_case(world.grid, reporter_phone="13812345678")
    url = reverse("backoffice:case_reveal", args=[case.pk])
    page = logged_in(world.alice).post(url, {"field": "reporter_phone", "reason": ""}).content.decode()
    section = reveal_section(page)
    assert f'action="{url}#reveal"' in section
    assert "请填写查看事由，例如“核对低保申请材料”。" in section.split("<form", 1)[0]


def test_after_a_reveal_the_form_points_to_the_value_above(world: World) -> None:
    url = reverse("backoffice:person_reveal", args=[world.person.pk])
    page = logged_in(world.alice).post(url, {"field": "id_number", "reason": "核对低保申请材料"})
    assert '<a href="#main">完整信息已显示在本页上方。</a>' in reveal_section(page.content.decode())


# --- 5. intake photos: checked with the other fields, and asked for again --------------------------------


def not_an_image() -> SimpleUploadedFile:
    return SimpleUploadedFile("病毒.png", b"MZ\x90\x00 not an image", content_type="image/png")


def test_a_bad_photo_is_reported_with_the_other_field_errors_in_one_round(world: World) -> None:
    response = logged_in(world.alice).post(INTAKE, form_data(world, description="", photos=[not_an_image()]))
    assert errors_beside(response, "description")
    assert any("不是图片" in e for e in errors_beside(response, "photos"))
    assert Case.objects.count() == 0


def test_too_many_photos_are_refused_by_the_form(world: World) -> None:
    photos = [photo(f"{n}.png") for n in range(7)]
    response = logged_in(world.alice).post(INTAKE, form_data(world, photos=photos))
    assert any("最多上传6张照片" in e for e in errors_beside(response, "photos"))


def test_chosen_photos_are_asked_for_again_when_the_page_comes_back(world: World) -> None:
    client = logged_in(world.alice)
    # A form error, and an error of the action (too short a description) found after the form passed.
    for overrides in ({"category": ""}, {"description": "脏"}):
        response = client.post(INTAKE, form_data(world, photos=[photo()], **overrides))
        assert RESELECT in errors_beside(response, "photos"), overrides
    without = client.post(INTAKE, form_data(world, category=""))
    assert RESELECT not in without.content.decode()
    assert Case.objects.count() == 0


def test_good_photos_still_go_through(world: World) -> None:
    response = logged_in(world.alice).post(INTAKE, form_data(world, photos=[photo("1.png")]))
    assert response.status_code == 302
    assert Case.objects.get().events.get(kind="received").attachments.count() == 1


# --- 4. an upload that is not a spreadsheet --------------------------------------------------------------

NOT_A_SPREADSHEET = "这个文件不是 Excel（.xlsx）或 CSV 表格，请另存为 .xlsx 或 .csv 后重新上传。"


def test_importing_a_pdf_says_it_is_not_a_spreadsheet(world: World) -> None:
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    upload = SimpleUploadedFile("居民名单.pdf", pdf, content_type="application/pdf")
    response = logged_in(world.alice).post(
        reverse("backoffice:import"), {"area": world.sunshine.pk, "file": upload}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert NOT_A_SPREADSHEET in page and "缺少必填列" not in page
