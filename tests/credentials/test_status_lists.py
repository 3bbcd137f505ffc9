"""An issuer's status lists in sequence: when one holds its capacity the next opens at its
own address, every credential names its list and index, verifies wherever it sits, and a
revocation flips its own bit in its own list and nothing else. The capacity is set small
here; in production a list holds 65,536 of its 131,072 bits."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from onewindow.core.models import Division
from onewindow.credentials import formats, selectors, services
from onewindow.credentials.models import Credential
from onewindow.credentials.verify import Issuer, Reason, TrustList, status_list_from_jwt, verify
from onewindow.identity.models import Department, DepartmentKind, User
from tests.identity.factories import citizen, officer, resident_id

CAPACITY = 3


@pytest.fixture
def health(divisions: dict[str, Division]) -> Department:
    return Department.objects.create(
        code="330100-health",
        name_zh="杭州市卫生健康委员会",
        name_en="Hangzhou Health Commission",
        kind=DepartmentKind.HEALTH,
        division=divisions["city"],
    )


def _code(health: Department, holder: User, n: int) -> Credential:
    return services.issue_credential(
        kind="health_code",
        issuer=health,
        holder=holder,
        case_ref=f"health-test-{n}",
        subject={"colour": "green", "holderNameMasked": "张*", "idNumberLast4": "1234"},
    )


def _published(client: Client, trust: TrustList) -> object:
    """A verifier that has only the trust list and reads the published lists over HTTP,
    at the addresses the trust list's template gives for each list."""

    def lookup(issuer: Issuer, purpose: str, position: int) -> bool:
        list_number, index = formats.status_entry(position)
        url = formats.status_list_address(issuer.status_list_url, purpose, list_number)
        response = client.get(urlsplit(url).path)
        assert response.status_code == 200, url
        return formats.status_bit(
            status_list_from_jwt(response.content.decode(), issuer, trust), index
        )

    return lookup


@pytest.mark.django_db
def test_issuing_past_a_full_list_opens_the_next_and_each_revocation_flips_only_its_bit(
    health: Department, divisions: dict[str, Division], settings: Any
) -> None:
    settings.ONEWINDOW_STATUS_LIST_CAPACITY = CAPACITY
    resident = citizen(divisions["village"], id_number=resident_id())
    codes = [_code(health, resident, n) for n in range(2 * CAPACITY + 1)]
    assert Counter(code.status_list for code in codes) == {0: CAPACITY, 1: CAPACITY, 2: 1}
    client = Client()
    trust = TrustList([client.get(reverse("credentials:trust-list")).json()])
    online = _published(client, trust)

    first, later = codes[0], codes[-1]
    # The first list keeps the address credentials issued before there were more lists.
    assert "l" not in formats.parse_qr(services.qr_of(first)).claims[formats.CWT_CREDENTIAL]
    vc = formats.disclosed_claims(formats.parse_sd_jwt(services.sd_jwt_of(first)))
    assert urlsplit(vc["credentialStatus"][0]["statusListCredential"]).path == reverse(
        "credentials:status-list", args=[health.code, "revocation"]
    )
    vc = formats.disclosed_claims(formats.parse_sd_jwt(services.sd_jwt_of(later)))
    assert {
        (urlsplit(entry["statusListCredential"]).path, entry["statusListIndex"])
        for entry in vc["credentialStatus"]
    } == {
        (
            reverse("credentials:status-list-numbered", args=[health.code, purpose, 2]),
            str(later.status_index),
        )
        for purpose in services.STATUS_PURPOSES
    }
    assert (
        client.get(
            reverse("credentials:status-list-numbered", args=[health.code, "revocation", 3])
        ).status_code
        == 404
    )  # no such list yet

    doctor = officer(health, roles=("approver",), username="health-approver")
    revoked: set[str] = set()
    for target in [codes[4], codes[0], codes[6]]:
        services.change_status(doctor, target, to="revoked", reason="风险人员，收回")
        revoked.add(target.number)
        for code in codes:  # our own /verify, from the database
            wanted = Reason.REVOKED if code.number in revoked else Reason.VALID
            assert selectors.check(services.qr_url(code)).verdict.reason is wanted, code.number
    for code in codes:  # a verifier elsewhere, from the published lists
        wanted = Reason.REVOKED if code.number in revoked else Reason.VALID
        assert verify(services.sd_jwt_of(code), trust, status=online).reason is wanted  # type: ignore[arg-type]
        assert verify(services.qr_of(code), trust, status=online).reason is wanted  # type: ignore[arg-type]


@given(
    issues=st.integers(0, 40),
    capacity=st.integers(1, 6),
    seed=st.integers(0, 2**32),
)
@examples(max_examples=60, deadline=None)
def test_allocation_never_gives_one_bit_to_two_credentials(
    issues: int, capacity: int, seed: int
) -> None:
    # A tiny space to draw from makes collisions (and so redraws) the common case.
    rng = random.Random(seed)
    taken: dict[int, set[int]] = {}
    current = 0
    for _ in range(issues):
        current, index = services.next_status_entry(
            current,
            taken.get(current, set()),
            capacity=capacity,
            draw=lambda bits: rng.randrange(min(bits, capacity * 2)),
        )
        assert index not in taken.setdefault(current, set())
        taken[current].add(index)
    assert all(len(indexes) <= capacity for indexes in taken.values())
    # lists fill in order, each full before the next opens
    assert sorted(taken) == list(range(len(taken)))
    assert all(len(taken[number]) == capacity for number in sorted(taken)[:-1])


@given(st.integers(0, 10**6), st.integers(0, formats.STATUS_LIST_BITS - 1))
def test_a_position_names_one_list_and_index(list_number: int, index: int) -> None:
    assert formats.status_entry(formats.status_position(list_number, index)) == (list_number, index)
    address = formats.status_list_address(
        "https://x/status/330100-h/{purpose}.jwt", "revocation", list_number
    )
    assert formats.status_list_number(address) == list_number


@pytest.mark.django_db
def test_the_wallet_shows_the_current_health_code_and_folds_the_earlier_ones(
    health: Department, divisions: dict[str, Division]
) -> None:
    resident = citizen(divisions["village"], id_number=resident_id())
    older, replaced, current = (_code(health, resident, n) for n in range(3))
    Credential.objects.filter(pk=older.pk).update(valid_until=timezone.now() - timedelta(hours=1))
    client = Client()
    client.force_login(resident)
    page = client.get(reverse("credentials:wallet"))
    assert page.status_code == 200
    shown, folded = page.content.decode().split('id="wallet-earlier"')
    assert current.number in shown
    assert older.number not in shown
    assert replaced.number not in shown
    assert older.number in folded
    assert replaced.number in folded
    assert "2 earlier codes, expired or replaced" in folded

    services.change_status(
        officer(health, roles=("approver",), username="health-approver"),
        current,
        to="revoked",
        reason="风险人员，收回",
    )
    sections = selectors.wallet_sections(resident)
    assert sections.personal == []  # no valid code now: the alerts page issues the next
    assert sections.earlier == [current, replaced, older]
