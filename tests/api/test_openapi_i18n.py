"""The API docs follow the reader's language: /api/v1/openapi.json (and so /api/v1/docs) shows the summaries,
tags and field descriptions in English to a reader who chose English, in Chinese by default."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.core.test_translations import compiled  # noqa: F401 - registers the fixture

URL = "/api/v1/openapi.json"


def schema(client: Client, language: str | None = None) -> dict[str, Any]:
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(URL)
    assert response.status_code == 200
    return response.json()


def texts(document: dict[str, Any]) -> tuple[str, list[str], str, str]:
    create = document["paths"]["/api/v1/cases"]["post"]
    compounds = document["paths"]["/api/v1/compounds"]["get"]
    description = document["components"]["schemas"]["CaseDetailOut"]["properties"]["description"]
    return (
        create["summary"],
        create["tags"] + compounds["tags"],
        description["description"],
        document["info"]["title"],
    )


@pytest.mark.usefixtures("db", "compiled")
def test_openapi_is_chinese_by_default(client: Client) -> None:
    summary, tags, description, title = texts(schema(client))
    assert summary == "登记诉求"
    assert tags == ["诉求", "小区"]
    assert description == "问题描述"
    assert title == "阳光社区 API"


@pytest.mark.usefixtures("db", "compiled")
def test_openapi_follows_an_english_reader(client: Client) -> None:
    summary, tags, description, _title = texts(schema(client, "en"))
    assert summary == "Register request"
    assert tags == ["Request", "Residential compound"]
    assert description == "Description of the problem"


@pytest.mark.usefixtures("db", "compiled")
def test_each_request_gets_its_own_language(client: Client) -> None:
    # The texts are evaluated per request, not once when the schema is first built.
    assert texts(schema(Client(), "en"))[0] == "Register request"
    assert texts(schema(client))[0] == "登记诉求"
    assert texts(schema(Client(), "en"))[0] == "Register request"
