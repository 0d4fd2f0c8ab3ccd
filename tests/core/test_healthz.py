"""/healthz: 200 while the database answers, 503 when it does not; never cached, no login needed."""

from __future__ import annotations

from unittest import mock

from django.db import OperationalError, connection


def test_healthy_database_gives_200(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_unreachable_database_gives_503(client, db):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_failing_query_gives_503(client, db):
    cursor = mock.MagicMock()
    cursor.__enter__.return_value.execute.side_effect = OperationalError("disk I/O error")
    with mock.patch.object(connection, "cursor", return_value=cursor):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_health_is_never_cached(client, db):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]


def test_only_get_is_allowed(client, db):
    assert client.post("/healthz").status_code == 405
