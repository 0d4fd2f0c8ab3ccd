"""Background tasks: thin wrappers that take primary keys (or nothing) and call one action.

With the database backend they run in `manage.py db_worker`; with the immediate backend (tests, or a
deployment without a worker) they run inline after commit.
"""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_notifications() -> int:
    from yangguang.core.actions.notify import deliver_due

    sent, _failed = deliver_due()
    return sent


@task()
def run_sla_checks() -> int:
    from yangguang.core.actions.escalation import run_sla_checks as run

    return run().escalated


@task()
def import_people(run_pk: int) -> str:
    """A queued web import (`check_queue_import_people`); returns the run's status, or "" if none was run."""
    from yangguang.core.actions.imports import do_run_queued_import

    run = do_run_queued_import(run_pk)
    return run.status if run is not None else ""
