"""Uses of a power (权力运行): recording, the compliance check against the item, its Chinese explanation,
bad input, evidence files, re-checks by staff and by the committee."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import World
from yangguang.core.actions import catalogue, ledger
from yangguang.core.models import Activity, AuditEntry, PowerItem, PowerUse

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
DAY = datetime.date(2024, 5, 6)


def item(code: str) -> PowerItem:
    return PowerItem.objects.get(area=None, code=code)


def record(world: World, code: str = "QL-CW-01", **overrides: Any) -> PowerUse:
    power = overrides.pop("item", None) or item(code)
    data: dict[str, Any] = {
        "area": world.sunshine,
        "item": power,
        "title": "购买办公用品",
        "decided_on": DAY,
        "amount": "3200",
        "meeting_held": power.meeting_required,
        "meeting_date": DAY if power.meeting_required != "none" else None,
        "steps_done": list(power.steps),
        "evidence_provided": list(power.evidence),
    }
    data.update(overrides)
    return catalogue.check_record_power_use(world.alice, catalogue.PowerUseInput(**data))


def test_a_clean_use_has_no_gaps(world: World) -> None:
    use = record(world)
    assert use.gaps == [] and use.checked_at is not None
    assert use.amount == Decimal("3200.00") and use.recorded_by == world.alice
    assert AuditEntry.objects.filter(target_type="poweruse", target_id=str(use.pk), action="create").exists()


def test_missing_step_is_a_gap(world: World) -> None:
    use = record(world, steps_done=["申请", "审核", "审批", "报账"])
    assert use.gaps == [{"kind": "steps", "detail": ["公示"]}]
    assert catalogue.explain_gaps(use.gaps, use.area) == ["缺少步骤：公示"]


def test_weaker_meeting_is_a_gap(world: World) -> None:
    use = record(world, "QL-CW-02", amount="12000", meeting_held="joint")
    assert catalogue.explain_gaps(use.gaps, use.area) == ["应召开居民代表会议，实际为两委联席会议"]
    village_line = catalogue.explain_gaps(use.gaps, world.village)
    assert village_line == ["应召开村民代表会议，实际为两委联席会议"]


def test_no_meeting_at_all_is_said_plainly(world: World) -> None:
    use = record(world, meeting_held="none", meeting_date=None)
    assert catalogue.explain_gaps(use.gaps, use.area) == ["应召开两委联席会议，实际未召开会议"]


def test_a_larger_meeting_satisfies_a_smaller_requirement(world: World) -> None:
    use = record(world, meeting_held="assembly")
    assert use.gaps == []


def test_missing_evidence_is_a_gap(world: World) -> None:
    power = item("QL-XM-01")
    evidence = [doc for doc in power.evidence if doc != "验收单"]
    use = record(world, "QL-XM-01", amount="30000", evidence_provided=evidence, title="更换晾衣架")
    assert catalogue.explain_gaps(use.gaps, use.area) == ["缺少材料：验收单"]


def test_amount_outside_the_band_is_a_gap_with_a_suggestion(world: World) -> None:
    use = record(world, "QL-CW-02", amount="80000")
    [line] = catalogue.explain_gaps(use.gaps, use.area)
    assert line.startswith("金额¥80,000超出该事项上限¥50,000")
    assert "QL-CW-03 大额开支" in line
    low = record(world, "QL-CW-02", amount="1000")
    assert catalogue.explain_gaps(low.gaps, low.area)[0].startswith("金额¥1,000低于该事项下限¥5,000.01")


def test_several_gaps_are_explained_in_order(world: World) -> None:
    use = record(
        world, "QL-CW-02", amount="60000", meeting_held="joint", steps_done=["申请"], evidence_provided=[]
    )
    lines = catalogue.explain_gaps(use.gaps, use.area)
    assert [line[:4] for line in lines] == ["缺少步骤", "应召开居", "缺少材料", "金额¥6"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("三千元", "金额格式不正确，请填写数字，例如 3500 或 3500.50。"),
        ("12..5", "金额格式不正确，请填写数字，例如 3500 或 3500.50。"),
        ("NaN", "金额格式不正确，请填写数字，例如 3500 或 3500.50。"),
        ("Infinity", "金额格式不正确，请填写数字，例如 3500 或 3500.50。"),
        ("-1", "金额不能为负数。"),
        ("10.005", "金额最多保留两位小数。"),
        ("1e20", "金额过大，请核对。"),
    ],
)
def test_bad_amounts_give_chinese_errors_and_save_nothing(world: World, raw: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        record(world, amount=raw)
    assert exc.value.message_dict["amount"] == [message]
    assert not PowerUse.objects.exists()


def test_amounts_are_read_as_people_type_them(world: World) -> None:
    assert catalogue.parse_amount("￥3,500.5") == Decimal("3500.50")
    assert catalogue.parse_amount("３５００元") == Decimal("3500.00")
    assert catalogue.parse_amount("  ") is None


def test_a_banded_item_needs_an_amount(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        record(world, amount="")
    assert exc.value.message_dict["amount"] == ["该事项按金额分档，请填写金额。"]


def test_other_bad_input_is_reported_by_field(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        record(
            world,
            title=" ",
            decided_on=datetime.date.today() + datetime.timedelta(days=3),
            meeting_held="party",
            steps_done=["申请", "拍板"],
            evidence_provided=["收条"],
        )
    errors = exc.value.message_dict
    assert errors["title"] == ["请填写事项。"]
    assert errors["decided_on"] == ["决策日期不能晚于今天。"]
    assert errors["meeting_held"] == ["请选择实际召开的会议。"]
    assert errors["steps_done"] == ["“拍板”不属于该事项的办理流程。"]
    assert errors["evidence_provided"] == ["“收条”不属于该事项的应留存材料。"]


def test_item_must_apply_in_the_community(world: World) -> None:
    [own] = catalogue.check_adopt_items(world.carol, world.peace, "power", [item("QL-CW-01").pk])
    with pytest.raises(ValidationError) as exc:
        record(world, item=own)  # 和平社区's copy is not on 阳光社区's list
    assert "不在本社区适用的权力清单中" in exc.value.message_dict["item"][0]
    [mine] = catalogue.check_adopt_items(world.alice, world.sunshine, "power", [item("QL-CW-02").pk])
    with pytest.raises(ValidationError):
        record(world)  # once 阳光社区 adopted, the platform's QL-CW-01 no longer applies there
    assert record(world, item=mine, amount="9000").item_id == mine.pk


@pytest.mark.parametrize("persona", ["bob", "carol", "dave", "grace", "mallory"])
def test_only_staff_of_the_community_record_uses(world: World, persona: str) -> None:
    power = item("QL-CW-01")
    data = catalogue.PowerUseInput(area=world.sunshine, item=power, title="x", decided_on=DAY, amount="100")
    with pytest.raises(PermissionDenied):
        catalogue.check_record_power_use(getattr(world, persona), data)


def test_files_are_checked_before_anything_is_saved(world: World) -> None:
    fake = SimpleUploadedFile("发票.pdf", b"not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        record(world, files=[fake])
    assert "不是支持的格式" in exc.value.message_dict["attachments"][0]
    assert not PowerUse.objects.exists()
    use = record(world, files=[SimpleUploadedFile("公示.png", PNG, content_type="image/png")])
    assert [e.name for e in ledger.evidence_for(use)] == ["公示.png"]


def test_evidence_upload_on_a_use(world: World) -> None:
    use = record(world)
    saved = catalogue.check_add_use_evidence(world.alice, use, [SimpleUploadedFile("会议记录.png", PNG)])
    assert saved[0].area_id == world.sunshine.pk
    assert AuditEntry.objects.filter(target_type="evidence", target_id=str(saved[0].pk)).exists()
    with pytest.raises(PermissionDenied):
        catalogue.check_add_use_evidence(world.bob, use, [SimpleUploadedFile("x.png", PNG)])
    with pytest.raises(ValidationError):
        catalogue.check_add_use_evidence(world.alice, use, [])


def test_recheck_after_the_item_changes(world: World) -> None:
    [own] = catalogue.check_adopt_items(world.alice, world.sunshine, "power", [item("QL-CW-01").pk])
    use = record(world, item=own)
    assert use.gaps == []
    data = {
        "code": own.code,
        "name": own.name,
        "domain": own.domain,
        "steps": [*own.steps, "归档"],
        "evidence": own.evidence,
        "meeting_required": own.meeting_required,
        "amount_min": own.amount_min,
        "amount_max": own.amount_max,
    }
    catalogue.check_update_item(world.alice, own, data)
    use.refresh_from_db()
    gaps = catalogue.check_recheck_power_use(world.alice, use)
    assert catalogue.explain_gaps(gaps) == ["缺少步骤：归档"]
    entry = AuditEntry.objects.filter(target_type="poweruse", target_id=str(use.pk), action="update").get()
    assert entry.changes["gaps"] == [[], ["缺少步骤：归档"]]


def test_committee_recheck_goes_into_its_ledger(world: World) -> None:
    use = record(world, steps_done=["申请"])
    catalogue.check_recheck_power_use(world.bob, use)
    activity = Activity.objects.get(area=world.sunshine, source_type="poweruse", source_id=str(use.pk))
    assert activity.kind == Activity.Kind.REVIEW and "缺少步骤：审核、审批、公示、报账" in activity.detail


def test_outsiders_cannot_recheck(world: World) -> None:
    use = record(world)
    for user in (world.carol, world.dave, world.mallory):
        with pytest.raises(PermissionDenied):
            catalogue.check_recheck_power_use(user, use)


def test_correcting_a_use_rechecks_it(world: World) -> None:
    use = record(world, steps_done=["申请"])
    assert use.gaps
    power = use.item
    fixed = catalogue.check_record_power_use(
        world.alice,
        catalogue.PowerUseInput(
            area=world.sunshine,
            item=power,
            title=use.title,
            decided_on=use.decided_on,
            amount=use.amount,
            meeting_held=use.meeting_held,
            meeting_date=use.meeting_date,
            steps_done=list(power.steps),
            evidence_provided=list(power.evidence),
        ),
        use,
    )
    assert fixed.pk == use.pk and fixed.gaps == []
    assert PowerUse.objects.count() == 1


def test_compliance_lines_show_each_requirement(world: World) -> None:
    use = record(world, steps_done=["申请"])
    rows = catalogue.compliance_lines(use)
    assert [(row.ok, row.text) for row in rows[:2]] == [(True, "申请"), (False, "审核")]
    meeting = next(row for row in rows if row.label == "会议")
    assert meeting.ok and meeting.text == "应召开：两委联席会议；实际：两委联席会议"
    amount = rows[-1]
    assert amount.ok and amount.text == "¥3,200（该事项适用：¥5,000及以下）"
