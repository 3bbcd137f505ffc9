"""The public ledger page served by the project's own URLs, in both languages."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_ledger_page_is_served_in_english_and_chinese(client: Client) -> None:
    english = client.get("/ledger/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get("/ledger/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()

    assert "Public ledger" in english
    assert "公共账本" in chinese
    assert "自行核验" in chinese
