"""Benchmark: importing N residents from an .xlsx, ours against django-import-export (the anchor).

    .venv/bin/python -m bench.import_people [--rows 100000] [--skip-anchor] [--anchor-rows N]

The parent process writes N valid rows (fictional ID numbers from `idnumber.make_fake`, Excel date cells,
3 people per dwelling, one household per dwelling) into one .xlsx, then runs each engine in its own child
process with its own fresh SQLite database in a temp directory (DATABASE_URL is set before django.setup(),
everything else is the project's settings, WAL and synchronous=NORMAL included):

- ours: `check_import_people` on the file: calamine read, every row validated, ID numbers and phones
  encrypted and blind-indexed, 100 buildings matched, dwellings, households, memberships and residences
  created, one transaction. Then the same file again (the re-import: every row unchanged).
- anchor: django-import-export 4 as a project would use it: tablib reads the same .xlsx with openpyxl
  (read-only mode) into a Dataset, a ModelResource for Person imports it keyed on the ID number, one row
  at a time (the library's default; skip_diff on, since a headless import shows no preview). It stores the
  ID number and phone in plain text (no encryption, no blind index) and creates no dwellings, households,
  memberships or residences, so it does strictly less work per row than ours.

Prints rows/s for each and the ratio ours/anchor.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import xlsxwriter

from yangguang.lib import idnumber

HEADERS = [
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "联系电话",
    "人口类型",
    "小区",
    "楼栋",
    "单元",
    "房号",
    "户编号",
    "与户主关系",
    "民族",
    "户籍地",
]
BUILDINGS = 100
COMPOUND = "阳光花园"
REGION = "430102"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆帅旭宁龙林欣"
RELATIONS = ["户主", "配偶", "子女"]
STATUSES = ["户籍", "常住", "流动"]


def generate(path: Path, rows: int, seed: int = 2026) -> None:
    """Write `rows` valid, distinct rows to an .xlsx: 3 people per dwelling, one household per dwelling."""
    rng = random.Random(seed)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("居民信息")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for col, header in enumerate(HEADERS):
        sheet.write_string(0, col, header)
    seen: set[str] = set()
    start = datetime.date(1930, 1, 1).toordinal()
    span = datetime.date(2015, 12, 31).toordinal() - start
    for n in range(rows):
        while True:
            birth = datetime.date.fromordinal(start + rng.randrange(span))
            sex = rng.choice("MF")
            id18 = idnumber.make_fake(rng, REGION, birth, sex)
            if id18 not in seen:
                seen.add(id18)
                break
        dwelling_no = n // 3
        building = dwelling_no % BUILDINGS + 1
        unit = (dwelling_no // BUILDINGS) % 4 + 1
        room = (dwelling_no // (BUILDINGS * 4)) + 101
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        values: list[Any] = [
            name,
            id18,
            "男" if sex == "M" else "女",
            None,
            f"13{rng.randrange(10**9):09d}",
            rng.choice(STATUSES),
            COMPOUND,
            f"{building}栋",
            f"{unit}单元",
            str(room),
            f"H{building:03d}-{unit}-{room}",
            RELATIONS[n % 3],
            "汉族",
            "湖南省长沙市芙蓉区",
        ]
        for col, value in enumerate(values):
            if value is not None:
                sheet.write_string(n + 1, col, value)
        sheet.write_datetime(n + 1, 3, birth, date_format)
    workbook.close()


# --- the child processes -------------------------------------------------------------------------------


def _setup_django(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["YANGGUANG_VAR_DIR"] = str(workdir)
    os.environ.setdefault("YANGGUANG_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _structure() -> Any:
    from yangguang.core.actions import registry
    from yangguang.core.models import Building, Compound

    district = registry.do_create_area(None, parent=None, kind="district", name="基准区", code=REGION)
    street = registry.do_create_area(None, parent=district, kind="street", name="基准街道")
    community = registry.do_create_area(None, parent=street, kind="community", name="基准社区")
    compound = Compound.objects.create(area=community, name=COMPOUND, kind="commercial")
    Building.objects.bulk_create(
        Building(compound=compound, area=community, name=f"{n}栋") for n in range(1, BUILDINGS + 1)
    )
    return community


def run_ours(path: Path) -> dict[str, Any]:
    from yangguang.core.actions.imports import check_import_people
    from yangguang.core.models import Dwelling, Household, HouseholdMembership, Person, Residence

    community = _structure()
    started, cpu = time.perf_counter(), time.process_time()
    run = check_import_people(None, community, path, path.name, source="bench")
    first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    again = check_import_people(None, community, path, path.name, source="bench")
    second = time.perf_counter() - started
    return {
        "engine": "ours",
        "rows": run.rows_read,
        "seconds": first,
        "cpu_seconds": first_cpu,
        "created": run.rows_created,
        "rejected": run.rows_rejected,
        "reimport_seconds": second,
        "reimport_unchanged": again.rows_unchanged,
        "persons": Person.objects.count(),
        "dwellings": Dwelling.objects.count(),
        "households": Household.objects.count(),
        "memberships": HouseholdMembership.objects.count(),
        "residences": Residence.objects.count(),
    }


def run_anchor(path: Path) -> dict[str, Any]:
    import tablib
    from import_export import fields, resources, widgets

    from yangguang.core.models import Person

    area_id = _structure().pk
    sexes = {"男": "M", "女": "F"}
    statuses = {"户籍": "registered", "常住": "resident", "流动": "floating"}

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        # No encryption here: the ID number goes into the (indexed) identity column as plain text.
        id_number_index = fields.Field(attribute="id_number_index", column_name="身份证号")
        sex = fields.Field(attribute="sex", column_name="性别")
        birth_date = fields.Field(attribute="birth_date", column_name="出生日期", widget=widgets.DateWidget())
        phone_masked = fields.Field(attribute="phone_masked", column_name="联系电话")
        residence_status = fields.Field(attribute="residence_status", column_name="人口类型")
        ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
        hukou_place = fields.Field(attribute="hukou_place", column_name="户籍地")

        class Meta:
            model = Person
            import_id_fields = ("id_number_index",)
            fields = (
                "name",
                "id_number_index",
                "sex",
                "birth_date",
                "phone_masked",
                "residence_status",
                "ethnicity",
                "hukou_place",
            )
            skip_diff = True

        def before_import_row(self, row: Any, **kwargs: Any) -> None:
            row["性别"] = sexes[row["性别"]]
            row["人口类型"] = statuses[row["人口类型"]]

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            instance.area_id = area_id

    started, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as handle:
        dataset = tablib.Dataset().load(handle, format="xlsx")
    read_seconds = time.perf_counter() - started
    result = PersonResource().import_data(dataset, dry_run=False, raise_errors=True, use_transactions=True)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {
        "engine": "anchor",
        "rows": len(dataset),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "read_seconds": read_seconds,
        "created": result.totals["new"],
        "rejected": result.totals["error"] + result.totals["invalid"],
        "persons": Person.objects.count(),
    }


def child(engine: str, path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix=f"bench-{engine}-") as tmp:
        _setup_django(Path(tmp))
        result = run_ours(path) if engine == "ours" else run_anchor(path)
        print("RESULT " + json.dumps(result), flush=True)


# --- the parent ----------------------------------------------------------------------------------------


def _spawn(engine: str, path: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.import_people", "--child", engine, "--file", str(path)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return result


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def _rate(result: dict[str, Any], clock: str = "seconds") -> float:
    return float(result["rows"]) / float(result[clock])


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--anchor-rows", type=int, help="rows for the anchor (default: --rows)")
    parser.add_argument("--skip-anchor", action="store_true")
    parser.add_argument("--child", choices=["ours", "anchor"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.file)
        return

    print(f"machine: {machine()}; load average at start: {_load()}")
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        path = Path(tmp) / f"people-{args.rows}.xlsx"
        started = time.perf_counter()
        generate(path, args.rows)
        print(
            f"generated {args.rows} rows in {time.perf_counter() - started:.1f}s "
            f"({path.stat().st_size / 1024 / 1024:.1f} MB .xlsx)"
        )
        ours = _spawn("ours", path)
        print(
            f"ours:   {ours['rows']} rows in {ours['seconds']:.1f}s = {_rate(ours):,.0f} rows/s "
            f"[CPU {ours['cpu_seconds']:.1f}s = {_rate(ours, 'cpu_seconds'):,.0f} rows/s] "
            f"(created {ours['created']}, rejected {ours['rejected']}; {ours['dwellings']} dwellings, "
            f"{ours['households']} households, {ours['memberships']} memberships, "
            f"{ours['residences']} residences)"
        )
        print(
            f"        re-import of the same file: {ours['reimport_seconds']:.1f}s, "
            f"{ours['reimport_unchanged']} unchanged"
        )
        if args.skip_anchor:
            return
        anchor_path = path
        if args.anchor_rows and args.anchor_rows != args.rows:
            anchor_path = Path(tmp) / f"people-{args.anchor_rows}.xlsx"
            generate(anchor_path, args.anchor_rows)
        anchor = _spawn("anchor", anchor_path)
        print(
            f"anchor: {anchor['rows']} rows in {anchor['seconds']:.1f}s = {_rate(anchor):,.0f} rows/s "
            f"[CPU {anchor['cpu_seconds']:.1f}s = {_rate(anchor, 'cpu_seconds'):,.0f} rows/s] "
            f"(openpyxl read {anchor['read_seconds']:.1f}s; created {anchor['created']}, "
            f"rejected {anchor['rejected']}) — django-import-export ModelResource, per-row saves, "
            "no encryption, Person rows only"
        )
        print(
            f"ratio ours/anchor (rows/s): {_rate(ours) / _rate(anchor):.1f}x wall, "
            f"{_rate(ours, 'cpu_seconds') / _rate(anchor, 'cpu_seconds'):.1f}x CPU "
            f"(load average at the end: {_load()})"
        )


if __name__ == "__main__":
    main()
