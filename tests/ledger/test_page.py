"""The public ledger page, rendered in the project's layout (`web/base.html`)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onewindow.ledger import keys, services

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.ledger.page_urls")]


@pytest.fixture(autouse=True)
def layout_without_the_shell_context(settings: Any) -> None:
    """The shell's context processor reads identity's consent records; the page needs none."""
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": [
                    name
                    for name in settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
                    if not name.startswith("onewindow.")
                ],
            },
        }
    ]


def record_licence(ref: str) -> None:
    services.record(
        "licence.issued",
        subject_ref=ref,
        actor_role="approver",
        department="330106-market-regulation",
        payload={"licence": ref},
    )


def test_the_page_shows_the_latest_checkpoint_and_how_to_verify(client: Client) -> None:
    record_licence("330106-20261123-000001")
    services.integrate_pending()

    response = client.get("/ledger/")

    assert response.status_code == 200
    page = response.content.decode()
    assert keys.verifier().encode() in page
    assert "onewindow-verify" in page
    assert "No witness has cosigned this checkpoint yet." in page


def test_searching_a_reference_lists_its_records_and_shows_a_proof_step_by_step(
    client: Client,
) -> None:
    for number in range(5):
        record_licence(f"330106-20261123-{number:06d}")
    services.integrate_pending()
    record_licence("330106-20261123-000003")  # recorded, not yet integrated

    listing = client.get("/ledger/", {"ref": "330106-20261123-000003"}).content.decode()
    proof = client.get("/ledger/", {"ref": "330106-20261123-000003", "index": "3"})

    assert "Show the proof" in listing
    assert "Waiting for the next checkpoint" in listing
    page = proof.content.decode()
    assert "Proof that entry 3 is in the ledger" in page
    assert page.count("Hash it with the sibling") == 3  # log2 of the 5-entry tree, rounded up
    assert "the entry is included, unchanged" in page
    assert "--ref 330106-20261123-000003" in page


def test_a_reference_cannot_break_out_of_the_shown_command(client: Client) -> None:
    page = client.get("/ledger/", {"ref": "x'; rm -rf ~"}).content.decode()

    assert "--ref &#x27;x&#x27;&quot;&#x27;&quot;&#x27;; rm -rf ~&#x27;" in page


def test_the_page_works_before_anything_is_published(client: Client) -> None:
    response = client.get("/ledger/", {"index": "7", "ref": "nothing"})

    assert response.status_code == 200
    assert "Nothing has been published yet." in response.content.decode()
