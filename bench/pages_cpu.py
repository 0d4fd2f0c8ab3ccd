"""CPU per request of the pages `bench.cases` measures, in-process: no HTTP, no client threads.

    .venv/bin/python -m bench.pages_cpu [queue|all|case|board|healthz|floor|empty] [--requests 200]
        [--database postgres://postgres@127.0.0.1:5432/yg_bench] [--profile 25]

Needs the database that `bench.cases --keep` leaves. Django's test client sends the requests in this
process, logged in as the benchmark's staff user, and the thread's CPU time is read around each one: the
median is steady when the machine is busy, where wall-clock latencies are not. `--profile N` runs the
same requests under cProfile afterwards and prints the N functions with the most time of their own and
the N with the most cumulative time (the profiler itself slows the requests down several times). Not run by `make bench`
(it has no `main`): it reads a database another benchmark made.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import tempfile
import time
from pathlib import Path

from bench.cases import DEFAULT_DATABASE, STAFF_USER, _setup_django, bench_environment


def paths_for(page: str) -> list[str]:
    from django.contrib.auth.models import User

    from yangguang.core.models import Area, Case, RoleAssignment
    from yangguang.core.models.cases import OPEN_STATUSES

    if page == "queue":
        return ["/office/cases/"]
    if page == "all":
        return ["/office/cases/?tab=all"]
    if page == "healthz":
        return ["/healthz"]
    if page in ("floor", "empty"):
        return [f"/bench/{page}/"]
    if page == "board":
        return [f"/c/{pk}/" for pk in Area.objects.communities().values_list("pk", flat=True)]
    staff = User.objects.get(username=STAFF_USER)
    community = RoleAssignment.objects.filter(user=staff).select_related("area").get().area
    mine = Case.objects.filter(area__path__startswith=community.path)
    open_pks = list(mine.filter(status__in=OPEN_STATUSES).order_by("id").values_list("pk", flat=True)[:50])
    any_pks = list(mine.order_by("-id").values_list("pk", flat=True)[:50])
    paths = [f"/office/cases/{pk}/" for pk in open_pks + any_pks]
    random.Random(1).shuffle(paths)
    return paths


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("page", choices=["queue", "all", "case", "board", "healthz", "floor", "empty"])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--sql", action="store_true", help="print the first request's queries")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the top N functions")
    args = parser.parse_args()
    var_dir = tempfile.mkdtemp(prefix="yg-pages-cpu-")
    Path(var_dir, "static").mkdir()
    env = bench_environment(args.database, var_dir)
    env["YANGGUANG_ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    os.environ.update(env)
    _setup_django(env)
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()
    if args.page not in ("board", "healthz"):
        client.force_login(User.objects.get(username=STAFF_USER))
    paths = paths_for(args.page)
    for path in paths[:20]:  # warm the caches, the templates and the connection
        status = client.get(path).status_code
        if status != 200:
            raise SystemExit(f"{path} answered HTTP {status}")
    with CaptureQueriesContext(connection) as queries:
        client.get(paths[0])
    query_count = len(queries.captured_queries)  # read now: later requests reset the connection's log
    if args.sql:
        for query in queries.captured_queries:
            print(f"{query['time']} s  {query['sql'][:300]}")
    costs = []
    for i in range(args.requests):
        started = time.thread_time()
        client.get(paths[i % len(paths)])
        costs.append(time.thread_time() - started)
    costs.sort()
    median = costs[len(costs) // 2] * 1000
    print(
        f"{args.page}: {query_count} queries; CPU per request: median {median:.1f} ms, "
        f"min {costs[0] * 1000:.1f} ms, p90 {costs[int(len(costs) * 0.9)] * 1000:.1f} ms"
    )

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(args.requests):
            client.get(paths[i % len(paths)])
        profiler.disable()
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.profile)
            print(out.getvalue())


if __name__ == "__main__":
    run()
