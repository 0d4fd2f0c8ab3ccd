"""Shared makings of the portal tests: a real PNG, categories, and cases built through the core actions."""

from __future__ import annotations

import re
import struct
import zlib
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from yangguang.core.actions import cases
from yangguang.core.models import Case, CaseCategory, Channel

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_bytes(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (200, 16, 46)) -> bytes:
    """A small, valid RGB PNG (one colour), built by hand so no imaging library is needed."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def photo(name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def category(code: str = "sanitation") -> CaseCategory:
    """A seeded category; re-created when a transactional test flushed the migration's rows."""
    names = {"sanitation": "环境卫生", "facilities": "公共设施", "parking": "停车管理"}
    found, _created = CaseCategory.objects.get_or_create(
        code=code, defaults={"name": names.get(code, code), "position": 0}
    )
    return found


def new_case(world: Any, **extra: Any) -> Case:
    data = cases.CaseInput(
        area=extra.pop("area", world.sunshine),
        category=extra.pop("category", None) or category(),
        description=extra.pop("description", "3栋楼下垃圾桶满了三天没人清运，气味很大"),
        channel=extra.pop("channel", Channel.PORTAL),
        reporter_name=extra.pop("reporter_name", "王大妈"),
        reporter_phone=extra.pop("reporter_phone", "13812345678"),
        **extra,
    )
    return cases.check_create_case(None, data)


def close(world: Any, case: Case, reply: str = "已联系环卫公司清运完毕") -> Case:
    """Staff move a case to closed: alice dispatches to grace, grace signs and replies with a photo of the
    result, alice closes it."""
    cases.do_transition(world.alice, case, "dispatch", handler=world.grace)
    cases.do_transition(world.grace, case, "sign")
    cases.do_transition(world.grace, case, "reply", note=reply, evidence=[photo("结果.png")])
    cases.do_transition(world.alice, case, "close", note="已办结")
    return case


def closed_case(world: Any, **extra: Any) -> Case:
    return close(world, new_case(world, **extra))


def form_data(world: Any, **extra: Any) -> dict[str, Any]:
    """A complete report as the form posts it."""
    data: dict[str, Any] = {
        "area": world.sunshine.pk,
        "category": category().pk,
        "description": "小区东门的路灯坏了一个星期，晚上很黑，老人出门不安全",
        "location_text": "东门",
        "reporter_name": "王大妈",
        "reporter_phone": "13812345678",
        "reporter_email": "",
        "key": "6f1c2b8e-2f43-4c36-9b67-0c3f6f2a7a11",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def tracking_code_in(html: str) -> str:
    match = re.search(r'<p class="code"[^>]*>([A-Z2-9]{10})</p>', html)
    assert match, "no tracking code on the page"
    return match.group(1)
