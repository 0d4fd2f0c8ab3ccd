"""`manage.py seed_demo [--scale N] [--seed S] [--if-empty]`: build the fictional demo district."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from yangguang.core.demo import DEFAULT_SEED, DEMO_USERNAMES, DISTRICT_NAME, RESIDENTS_PER_SCALE, DemoDistrict
from yangguang.core.models import Area


@contextmanager
def _big_sqlite_cache() -> Iterator[None]:
    """A 256 MiB page cache for this connection while seeding (the settings' WAL pragmas stay as they are):
    the blind-index and name indexes take random inserts, which thrash SQLite's default 2 MB cache."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -262144")  # negative: KiB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


class Command(BaseCommand):
    help = (
        f"Build the fictional demo district {DISTRICT_NAME}: 3 streets, 13 communities, about "
        f"{RESIDENTS_PER_SCALE:,} residents per unit of --scale (33 ≈ 1,000,000), a year of cases (one per "
        "25 residents), and a demo login for every role."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0, help="residents in units of ~30,300 (float, e.g. 0.05 or 33)"
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the database already holds any area"
        )

    def handle(self, *args: Any, scale: float, seed: int, if_empty: bool, **options: Any) -> None:
        if scale <= 0:
            raise CommandError("--scale must be positive")
        if if_empty and Area.objects.exists():
            self.stdout.write(
                "seed_demo: the database already holds areas; demo data not loaded (--if-empty)."
            )
            return
        if Area.objects.filter(parent=None, name=DISTRICT_NAME).exists():
            raise CommandError(f"the demo district {DISTRICT_NAME} already exists; use a fresh database")
        taken = sorted(User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True))
        if taken and if_empty:
            self.stdout.write(f"seed_demo: demo usernames already taken ({', '.join(taken)}); not loaded.")
            return
        if taken:
            raise CommandError(f"demo usernames already taken: {', '.join(taken)}")
        with _big_sqlite_cache():
            result = DemoDistrict(scale=scale, seed=seed, progress=self._progress).build()
        counts = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_demo: {DISTRICT_NAME} ready in {result.seconds:.1f} s — {counts['persons']:,} residents, "
                f"{counts['households']:,} households, {counts['dwellings']:,} dwellings, "
                f"{counts['compounds']:,} compounds, {counts['merchants']:,} merchants, {counts['cases']:,} cases, "
                f"{counts['users']} demo users. "
                "Run `manage.py demo_logins` for the logins."
            )
        )

    def _progress(self, line: str) -> None:
        self.stdout.write(f"[seed_demo] {line}")
        self.stdout.flush()
