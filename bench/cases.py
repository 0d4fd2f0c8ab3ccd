"""Benchmark: the staff queue, the case page and the public board with 1,000,000 cases on PostgreSQL.

    .venv/bin/python -m bench.cases [--cases 1000000] [--clients 50] [--requests 2000]
        [--database postgres://postgres@127.0.0.1:5432/yg_bench] [--workers 5] [--server gunicorn|wsgiref]
        [--reuse] [--keep]

What it does, all on this machine and only on 127.0.0.1:

1. (Re)creates the database named in --database (it must not be a database you want to keep: it is
   dropped first), migrates it and seeds the demo district at a small scale (`seed_demo --scale 0.1`:
   13 communities, 48 compounds, the handling units, routing rules and demo users), then deletes the
   demo's own cases and loads N cases with COPY: spread over the communities by the demo's weights and
   over the last four years, routed to the units (and named handlers) the demo's rules give, texts from
   the demo's complaint templates, statuses by age (almost all older cases closed and rated; recent ones
   open, some overdue and escalated), with their timeline events (about seven a case) and reporters.
   `--reuse` keeps a database that already holds exactly N cases.
2. Starts the project with DEBUG off and production-style settings from the environment, as deployed:
   gunicorn with config/gunicorn.conf.py (sync workers, one request at a time per process), --workers
   processes, without its access log (`--server wsgiref`: the pre-forked standard-library server that
   measured the runs before gunicorn became a dependency). Database connections are persistent
   (YANGGUANG_DB_CONN_MAX_AGE=600), as a production deployment sets.
3. Logs in as `staff_yangguang` (community staff of 阳光社区, the handler of its welfare cases) through
   the login form, then drives --clients threads, each with a fresh HTTP/1.0 connection per request and no
   pause between requests, against one endpoint at a time: the anchor (`/healthz`, the bare floor: a Django
   view that runs SELECT 1), the staff queue (`/office/cases/`, default tab 我的), the case page
   (`/office/cases/<pk>/` over 200 cases of the community, half of them open) and the public board
   (`/c/<community>/` of every community); then, for information, the queue's 全部 tab and the anchor
   again. Each phase sends `--requests` recorded requests after a warm-up of 2 per client, and stops
   after --phase-seconds whatever it has done.
4. Prints p50/p95/p99 per endpoint and each p95 divided by the anchor's, then stops the server and drops
   the database (unless --keep).

The requirement (issue): each page under 150 ms at the 95th percentile with 50 concurrent clients on this
machine, printed beside the floor of a bare Django view measured in the same run. Results and the exact
command are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import itertools
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench._util import PhaseResult, alone, get, load_average, log_in, machine, run_phase, serve, start_server

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/yg_bench"
REGISTRY_SCALE = 0.1
STAFF_USER = "staff_yangguang"
YEARS = 4
CHUNK = 50_000
TARGET_MS = 150.0
REPO = Path(__file__).resolve().parent.parent
TZ = datetime.timezone(datetime.timedelta(hours=8))  # Asia/Shanghai has no daylight saving


# --- environment ----------------------------------------------------------------------------------------


def _bench_key(name: str) -> str:
    # Fixed, public keys: the benchmark's data is fictional and its database is dropped afterwards.
    return base64.b64encode(hashlib.sha256(f"yangguang-bench:{name}".encode()).digest()).decode()


def bench_environment(database: str, var_dir: str) -> dict[str, str]:
    """The settings of the run, as a deployment would give them: DEBUG off, secrets from the environment."""
    return {
        "DATABASE_URL": database,
        "YANGGUANG_DEBUG": "false",
        "YANGGUANG_DEMO": "false",
        "YANGGUANG_SECRET_KEY": _bench_key("secret") * 2,
        "YANGGUANG_FIELD_KEYS": f"k1:{_bench_key('field')}",
        "YANGGUANG_INDEX_KEY": _bench_key("index"),
        "YANGGUANG_ALLOWED_HOSTS": "127.0.0.1",
        "YANGGUANG_DB_CONN_MAX_AGE": "600",
        "YANGGUANG_VAR_DIR": var_dir,
        "YANGGUANG_LOG_LEVEL": "WARNING",
        "YANGGUANG_TASK_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "DJANGO_SETTINGS_MODULE": "bench.settings",  # config.settings plus the floors of bench/urls.py
    }


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


# --- the database -----------------------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    """Drop and create the benchmark database (connecting to the server's `postgres` database)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or name in {"postgres", "template0", "template1", "test"}:
        raise SystemExit(f"refusing to drop the database {name!r}: use a database of its own, e.g. yg_bench")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def database_ready(n: int) -> bool:
    from django.contrib.auth.models import User
    from django.db import DatabaseError

    from yangguang.core.models import Case

    try:
        return Case.objects.count() == n and User.objects.filter(username=STAFF_USER).exists()
    except DatabaseError:
        return False


# --- the data ---------------------------------------------------------------------------------------------

CASE_COLUMNS = (
    "id", "number", "tracking_code", "area_id", "compound_id", "building_id", "location_text", "latitude",
    "longitude", "category_id", "kind", "urgency", "ownership", "channel", "title", "description",
    "reporter_name", "reporter_phone_enc", "reporter_phone_index", "reporter_phone_masked", "reporter_email",
    "anonymous", "confidential", "status", "unit_id", "handler_id", "intake_by_id", "created_at",
    "dispatched_at", "sign_due_at", "signed_at", "due_at", "paused_at", "replied_at", "closed_at",
    "reminded_at", "escalated_at", "satisfaction", "redo_count", "return_count", "merged_into_id",
    "source_type", "source_id", "idempotency_key", "intake_ip", "updated_at",
)  # fmt: skip
EVENT_COLUMNS = ("id", "case_id", "at", "actor_id", "actor_label", "kind", "from_status", "to_status", "note",
                 "public", "data")  # fmt: skip
REPORTER_COLUMNS = ("id", "case_id", "original_case_id", "name", "phone_enc", "phone_index", "phone_masked",
                    "email")  # fmt: skip
# Statuses of open and of finished cases, and the channels, with their weights.
OPEN, OPEN_CUM = (
    ("received", "dispatched", "signed", "in_progress", "waiting", "replied"),
    (4, 16, 36, 86, 90, 100),
)
DONE, DONE_CUM = ("satisfied", "closed", "merged", "rejected"), (86, 92, 97, 100)
CHANNEL_NAMES = ("portal", "qr", "hotline", "walk_in", "grid_patrol", "liaison")
CHANNEL_CUM = (28, 42, 66, 76, 94, 95)
CASE_TIMES = ("dispatched_at", "sign_due_at", "signed_at", "due_at", "paused_at", "replied_at", "closed_at",
              "escalated_at", "satisfaction", "merged_into_id")  # fmt: skip
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


@dataclass
class Story:
    """One community's pool of reports (title, description, place, category …) to draw cases from."""

    community_id: int
    weight: float
    reports: list[tuple[Any, ...]] = field(default_factory=list)


def _check_columns() -> None:
    from yangguang.core.models import Case, CaseEvent, CaseReporter

    for model, expected in (
        (Case, CASE_COLUMNS),
        (CaseEvent, EVENT_COLUMNS),
        (CaseReporter, REPORTER_COLUMNS),
    ):
        actual = tuple(f.column for f in model._meta.concrete_fields)
        if actual != expected:
            raise SystemExit(f"{model.__name__} columns changed; update bench/cases.py: {actual}")


def _stories(rng: random.Random) -> list[Story]:
    """Per community, 3,000 reports written from the demo's templates about its own compounds."""
    from yangguang.core.demo import STREETS
    from yangguang.core.demo.case_text import TEMPLATES
    from yangguang.core.demo.layout import cn_number
    from yangguang.core.models import Area, Building, CaseCategory, Compound

    categories = {c.code: c for c in CaseCategory.objects.all()}
    weights = {plan.name: plan.weight for street in STREETS for plan in street.communities}
    stories = []
    for community in Area.objects.communities().order_by("path"):
        village = community.kind == "village"
        story = Story(community.pk, weights.get(community.name, 1.0))
        compounds = list(Compound.objects.filter(area=community))
        buildings = {c.pk: list(Building.objects.filter(compound=c)) for c in compounds}
        for _ in range(3000):
            compound = rng.choice(compounds)
            if not buildings[compound.pk]:
                continue
            fits = [
                t
                for t in TEMPLATES
                if t.category in categories
                and (t.village is None or t.village == village)
                and (t.compound_kinds is None or compound.kind in t.compound_kinds)
                and not t.min_floors
            ]
            template = rng.choices(fits, weights=[t.weight for t in fits])[0]
            building = rng.choice(buildings[compound.pk])
            place = compound.address if village else compound.name
            road = "村道" if village else compound.address.rstrip("0123456789号")
            fill = {
                "place": place, "b": building.name, "u": "1单元", "r": "502", "road": road,
                "floor": rng.randrange(2, 8), "shop": "楼下的小饭馆", "n": cn_number(rng.randrange(2, 10)),
            }  # fmt: skip
            category = categories[template.category]
            if template.where == "building":
                area_id, compound_id, building_id = building.area_id, compound.pk, building.pk
            elif template.where == "compound":
                area_id, compound_id, building_id = community.pk, compound.pk, None
            else:
                area_id, compound_id, building_id = building.area_id, None, None
            story.reports.append(
                (
                    area_id,
                    compound_id,
                    building_id,
                    place if compound_id else "",
                    category.pk,
                    template.kind,
                    category.default_ownership,
                    template.title.format(**fill)[:100],
                    rng.choice(template.descriptions).format(**fill),
                    rng.choice(template.replies).format(**fill),
                    template.category,
                    compound.property_company,
                    template.urgent,
                )  # fmt: skip
            )
        stories.append(story)
    return stories


class Loader:
    """Generates N cases with timelines and reporters and COPYs them in, CHUNK cases at a time."""

    def __init__(self, n: int, seed: int = 2026, reporters: int = 20_000) -> None:
        from yangguang.core.actions import sla
        from yangguang.core.models import Area, HandlingUnit, RoutingRule

        self.n = n
        self.rng = random.Random(seed)
        self.now = datetime.datetime.now(TZ)
        self.cal = sla.calendar()
        self.stories = _stories(self.rng)
        self.story_cum = list(itertools.accumulate(s.weight for s in self.stories))
        parent = dict(Area.objects.values_list("pk", "parent_id"))
        self.community_of = {
            pk: (pk if any(s.community_id == pk for s in self.stories) else p) for pk, p in parent.items()
        }
        self.street_of = {s.community_id: parent[s.community_id] for s in self.stories}
        self.rules = {
            (r.category_id, r.area_id): (r.unit_id, r.handler_id) for r in RoutingRule.objects.all()
        }
        self.units = {(u.area_id, u.name): u.pk for u in HandlingUnit.objects.all()}
        self.unit_names = {u.pk: u.name for u in HandlingUnit.objects.all()}
        self.limits: dict[tuple[str, str, int], Any] = {}
        self.reporters = self._reporter_pool(reporters)
        self.codes: set[str] = set()
        self.last_in_community: dict[int, int] = {}

    def _reporter_pool(self, size: int) -> list[tuple[str, tuple[str, str, str], tuple[str, str, str]]]:
        from yangguang.core.demo.layout import given_name, surname
        from yangguang.core.sealing import seal

        pool = []
        for _ in range(size):
            name = surname(self.rng) + given_name(self.rng, self.rng.choice("MF"))
            phone = f"1{self.rng.randrange(3)}{self.rng.randrange(1_000_000_000):09d}"  # not mobile numbers
            pool.append(
                (
                    name,
                    seal("core.case", "reporter_phone", "phone", phone),
                    seal("core.casereporter", "phone", "phone", phone),
                )
            )
        return pool

    def _limits(self, kind: str, urgency: str, category_id: int, area_id: int) -> Any:
        from yangguang.core.actions import sla
        from yangguang.core.models import Area

        key = (kind, urgency, category_id)
        if key not in self.limits:
            self.limits[key] = sla.limits_for(kind, urgency, category_id, Area.objects.get(pk=area_id))
        return self.limits[key]

    def _unit(self, category_id: int, code: str, company: str, community_id: int) -> tuple[int, int | None]:
        for area in (community_id, self.street_of[community_id]):
            rule = self.rules.get((category_id, area))
            if rule is not None and rule[0] is not None:
                return rule[0], rule[1]
        if code == "property" and company:
            return self.units[(community_id, company)], None
        return next(
            pk
            for (area, name), pk in self.units.items()
            if area == community_id and name.endswith("网格服务队")
        ), None

    def _code(self) -> str:
        while True:
            code = "".join(self.rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=10))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def chunks(self) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
        """(cases, events, reporters) in chunks; cases in the order they came in, so numbers follow time."""
        span = YEARS * 365 * 86400
        # Ages drawn first and sorted, so the primary keys (and case numbers) follow the intake time.
        ages = sorted((self.rng.random() * span for _ in range(self.n)), reverse=True)
        pk, event_pk = 1, 1
        for start in range(0, self.n, CHUNK):
            cases: list[tuple[Any, ...]] = []
            events: list[tuple[Any, ...]] = []
            reporters: list[tuple[Any, ...]] = []
            for age in ages[start : start + CHUNK]:
                case, timeline, reporter = self._case(pk, age)
                cases.append(case)
                reporters.append(reporter)
                for row in timeline:
                    events.append((event_pk, pk, *row))
                    event_pk += 1
                pk += 1
            yield cases, events, reporters

    def _status(self, days: float) -> str:
        open_share = 0.7 if days < 5 else 0.25 if days < 20 else 0.03 if days < 60 else 0.002
        statuses, cum = (OPEN, OPEN_CUM) if self.rng.random() < open_share else (DONE, DONE_CUM)
        return self.rng.choices(statuses, cum_weights=cum)[0]

    def _case(self, pk: int, age: float) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], tuple[Any, ...]]:
        """One case row, its timeline (at, actor, label, kind, from, to, note, public, data) and reporter."""
        rng, cal, now = self.rng, self.cal, self.now
        story = rng.choices(self.stories, cum_weights=self.story_cum)[0]
        (area_id, compound_id, building_id, location, category_id, kind, ownership, title, description, reply,
         code, company, urgent_share) = rng.choice(story.reports)  # fmt: skip
        community_id = story.community_id
        urgency = "urgent" if urgent_share and rng.random() < urgent_share else "normal"
        limits = self._limits(kind, urgency, category_id, area_id)
        created = now - datetime.timedelta(seconds=age)
        status = self._status(age / 86400)
        unit_id: int | None
        handler_id: int | None
        unit_id, handler_id = self._unit(category_id, code, company, community_id)
        side = self.unit_names[unit_id]
        name, case_phone, reporter_phone = rng.choice(self.reporters)
        f: dict[str, Any] = dict.fromkeys(CASE_TIMES)
        timeline: list[tuple[Any, ...]] = []

        def step(
            at: datetime.datetime, kind: str, old: str, new: str, note: str = "", public: bool = True
        ) -> None:
            timeline.append((at, None, "系统" if kind in ("received", "escalate") else side, kind, old, new, note,
                             public, "{}"))  # fmt: skip

        step(created, "received", "", "received", "诉求已受理。")
        t, redo = created, 0
        target = self.last_in_community.get(community_id)
        if status == "merged" and target is None:
            status = "rejected"
        if status in ("received", "merged", "rejected"):
            unit_id = handler_id = None
            t += HOUR * rng.uniform(0.2, 6)
            if status == "merged":
                f["merged_into_id"] = target
                step(t, "merge", "received", "merged", "与其他居民反映的同一问题合并办理。")
            elif status == "rejected":
                step(t, "reject", "received", "rejected", "反映的地点不在本社区辖区。")
            else:
                t = created
        else:
            t += HOUR * rng.uniform(0.01, 3)
            f["dispatched_at"], f["sign_due_at"] = t, cal.add_work_hours(t, limits.sign_within_hours)
            step(t, "dispatch", "received", "dispatched")
            if status != "dispatched":
                t = cal.add_work_hours(t, rng.uniform(0.1, 5))
                due = (
                    cal.add_work_hours(t, limits.work_hours)
                    if limits.work_hours
                    else cal.add_workdays(t, limits.workdays)
                )
                f["signed_at"], f["due_at"], last = t, due, "signed"
                step(t, "sign", "dispatched", "signed")
                if status != "signed":
                    t += (due - t) * rng.uniform(0.02, 0.2)
                    step(t, "start", "signed", "in_progress", public=False)
                    last = "in_progress"
                if status == "waiting":
                    t += HOUR * rng.uniform(1, 8)
                    f["paused_at"] = t
                    step(t, "wait", "in_progress", "waiting", "请补充现场照片。", public=False)
                elif status in ("signed", "in_progress"):
                    if due < now - datetime.timedelta(days=1):  # overdue: escalated the next working day
                        f["escalated_at"] = cal.clock_start(due + datetime.timedelta(seconds=1))
                        step(f["escalated_at"], "escalate", last, last, "已超期，转街道督办。")
                else:
                    late = rng.random() < 0.12
                    t = min(
                        t + (due - t) * (rng.uniform(1.05, 2.0) if late else rng.uniform(0.1, 0.9)),
                        now - 5 * MINUTE,
                    )
                    f["replied_at"] = t
                    step(t, "reply", last, "replied", reply)
                    if status in ("closed", "satisfied"):
                        t = min(t + HOUR * rng.uniform(1, 20), now - 4 * MINUTE)
                        f["closed_at"] = t
                        step(t, "close", "replied", "closed", "已核实办理结果，予以办结。")
                    if status == "satisfied":
                        t = min(t + HOUR * rng.uniform(2, 48), now - 3 * MINUTE)
                        if rng.random() < 0.08:  # unsatisfied once, redone (squeezed into one moment here)
                            redo = 1
                            step(t, "rate_unsatisfied", "closed", "unsatisfied", "问题没有解决。")
                            step(t, "reopen", "unsatisfied", "in_progress", "居民不满意，退回原承办人重办。")
                            step(t, "reply", "in_progress", "replied", "重办答复：" + reply)
                            step(t, "close", "replied", "closed")
                        f["satisfaction"] = rng.choices((5, 4, 3), weights=(60, 32, 8))[0]
                        step(t, "rate_satisfied", "closed", "satisfied", "（电话回访）")
        self.last_in_community[community_id] = pk
        channel = rng.choices(CHANNEL_NAMES, cum_weights=CHANNEL_CUM)[0]
        case = (
            pk, f"YG{created.year}{pk:07d}", self._code(), area_id, compound_id, building_id, location, None, None,
            category_id, kind, urgency, ownership, channel, title, description, name, *case_phone, "", False,
            rng.random() < 0.03, status, unit_id, handler_id, None, created, f["dispatched_at"], f["sign_due_at"],
            f["signed_at"], f["due_at"], f["paused_at"], f["replied_at"], f["closed_at"], None, f["escalated_at"],
            f["satisfaction"], redo, 0, f["merged_into_id"], "", "", None, None, t,
        )  # fmt: skip
        reporter = (pk, f["merged_into_id"] or pk, pk, name, *reporter_phone, "")
        return case, timeline, reporter


def load_cases(n: int) -> tuple[int, float]:
    """Delete the demo's own cases and COPY N generated ones in. Returns (events, seconds)."""
    from django.core.management.color import no_style
    from django.db import connection

    from yangguang.core.models import Case, CaseEvent, CaseReporter, Notification, Rectification

    _check_columns()
    started = time.perf_counter()
    Notification.objects.all().delete()
    Rectification.objects.all().delete()  # the demo's rectification notices hold their cases (PROTECT)
    Case.objects.all().delete()
    loader = Loader(n)
    events_total = 0
    connection.ensure_connection()
    raw = connection.connection
    for cases, events, reporters in loader.chunks():
        # Autocommit: each COPY is its own transaction, cases before the events and reporters naming them.
        with raw.cursor() as cur:
            for table, columns, rows in (
                ("core_case", CASE_COLUMNS, cases),
                ("core_caseevent", EVENT_COLUMNS, events),
                ("core_casereporter", REPORTER_COLUMNS, reporters),
            ):
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        events_total += len(events)
        print(
            f"  {cases[-1][0]:,} cases, {events_total:,} events ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Case, CaseEvent, CaseReporter]):
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    return events_total, time.perf_counter() - started


def _targets(port: int) -> tuple[list[str], list[str]]:
    """200 case pages of the staff user's community (half of them open) and every community's board."""
    from django.contrib.auth.models import User

    from yangguang.core.models import Area, Case, RoleAssignment
    from yangguang.core.models.cases import OPEN_STATUSES

    staff = User.objects.get(username=STAFF_USER)
    community = RoleAssignment.objects.filter(user=staff).select_related("area").get().area
    mine = Case.objects.filter(area__path__startswith=community.path)
    open_pks = list(mine.filter(status__in=OPEN_STATUSES).order_by("?").values_list("pk", flat=True)[:100])
    any_pks = list(mine.order_by("?").values_list("pk", flat=True)[:100])
    case_paths = [f"/office/cases/{pk}/" for pk in open_pks + any_pks]
    random.Random(7).shuffle(case_paths)
    boards = [f"/c/{pk}/" for pk in Area.objects.communities().values_list("pk", flat=True)]
    return case_paths, boards


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="recorded requests per endpoint")
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--workers", type=int, default=5, help="server processes (gunicorn's 2 × cores + 1)")
    parser.add_argument(
        "--server",
        choices=["gunicorn", "wsgiref"],
        default="gunicorn",
        help="gunicorn as deployed (default), or the pre-forked standard-library server of earlier runs",
    )
    parser.add_argument("--phase-seconds", type=float, default=300, help="stop a phase after this long")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="each client pauses this long on average between requests (default 0: back to back)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep a database that already holds --cases cases"
    )
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(0, args.workers)
        return

    var_dir = tempfile.mkdtemp(prefix="yg-bench-")
    Path(var_dir, "static").mkdir()  # STATIC_ROOT (collectstatic's target; no page here loads a file)
    env = bench_environment(args.database, var_dir)
    print(f"machine: {machine()}; load average at start: {load_average()}")
    print(
        f"database: {args.database}; {args.cases:,} cases; {args.clients} clients; "
        f"{args.workers} {args.server} workers"
        + (f"; clients pause {args.think} s on average between requests" if args.think else "")
    )
    os.environ.update(env)
    ready = False
    if args.reuse:
        _setup_django(env)
        ready = database_ready(args.cases)
    if not ready:
        recreate_database(args.database)
        _setup_django(env)
    from django.core.management import call_command

    if ready:
        call_command("migrate", verbosity=0)  # a reused database gets the migrations added since
    else:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("seed_demo", scale=REGISTRY_SCALE, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"registry (seed_demo --scale {REGISTRY_SCALE}) in {time.perf_counter() - started:.1f} s")
        events, seconds = load_cases(args.cases)
        print(f"generated {args.cases:,} cases and {events:,} events in {seconds:.0f} s")
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), pg_size_pretty(pg_database_size(current_database()))")
        version, size = cursor.fetchone()
    print(f"{version.split(' on ')[0]}, database size {size}")
    # As a deployment does (docs/deploy.md): in production, static files are served under hashed names
    # from the manifest that collectstatic writes, and a page without it is an error.
    call_command("collectstatic", interactive=False, verbosity=0)
    server = start_server("bench.cases", env, args.workers, args.server)
    try:
        from yangguang.core.demo import DEMO_PASSWORD

        cookie = log_in(server.port, STAFF_USER, DEMO_PASSWORD)
        case_paths, boards = _targets(server.port)
        connections.close_all()
        phases = [
            ("anchor: bare view (/healthz)", "/healthz", ["/healthz"]),
            ("logged-in floor", "/bench/floor/", ["/bench/floor/"]),
            ("empty staff page", "/bench/empty/", ["/bench/empty/"]),
            ("staff queue (我的)", "/office/cases/", ["/office/cases/"]),
            ("case page", "/office/cases/<pk>/", case_paths),
            ("public board", "/c/<community>/", boards),
            ("staff queue (全部), extra", "/office/cases/?tab=all", ["/office/cases/?tab=all"]),
            ("anchor again", "/healthz", ["/healthz"]),
        ]
        for _name, _path, paths in phases:  # a page that does not answer 200 would only measure an error
            status, _body, _response = get(server.port, paths[0], cookie)
            if status != 200:
                raise SystemExit(f"{paths[0]} answered HTTP {status}")
        results = []
        for name, path, paths in phases:
            solo = alone(server.port, paths, cookie)
            result = run_phase(
                name,
                path,
                paths,
                server.port,
                cookie,
                args.clients,
                args.requests,
                args.phase_seconds,
                args.think,
            )
            result.alone_ms = solo
            results.append(result)
            print(f"  {name}: {len(result.latencies)} requests in {result.seconds:.1f} s", flush=True)
    finally:
        server.stop()
        shutil.rmtree(var_dir, ignore_errors=True)
    report(results, args)
    if not args.keep:
        connections.close_all()
        drop_database(args.database)
        print(f"dropped {urlsplit(args.database).path.lstrip('/')}")


def report(results: list[PhaseResult], args: argparse.Namespace) -> None:
    anchor = results[0].ms(95)
    print()
    print(
        f"{args.clients} concurrent clients"
        + (f" pausing {args.think} s on average" if args.think else " back to back")
        + f", {args.cases:,} cases; load average at the end: {load_average()}"
    )
    header = (
        f"{'endpoint':30} {'path':24} {'alone':>7} {'n':>5} {'err':>4} {'req/s':>6} {'p50':>7} {'p95':>7} "
        f"{'p99':>7} {'p95/anchor':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = (
            ""
            if r is results[0] or r.name.startswith("anchor") or r.path.startswith("/bench/")
            else (" ok" if r.ms(95) < TARGET_MS else " > 150 ms")
        )
        early = " (stopped early)" if r.stopped_early else ""
        print(
            f"{r.name:30} {r.path:24} {r.alone_ms:>5.0f}ms {len(r.latencies):>5} {r.errors:>4} "
            f"{len(r.latencies) / r.seconds:>6.1f} "
            f"{r.ms(50):>6.0f}ms {r.ms(95):>6.0f}ms {r.ms(99):>6.0f}ms {r.ms(95) / anchor:>9.1f}x{verdict}{early}"
        )


if __name__ == "__main__":
    main()
