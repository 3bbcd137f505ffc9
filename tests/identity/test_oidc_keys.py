"""The ID token key: generated into var/ with mode 0600, rotated with the old key kept for
verification; pairwise subjects behave as OIDC Core 8 asks."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from onewindow.core.keyfiles import retired_keys, rsa_key_from_env_or_file
from onewindow.identity.models import Client, SubjectType, User
from onewindow.identity.oidc import provider as oidc


def test_the_key_is_generated_once_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "oidc_key.pem"

    first = rsa_key_from_env_or_file("ONEWINDOW_OIDC_KEY_UNSET_IN_TESTS", path)
    second = rsa_key_from_env_or_file("ONEWINDOW_OIDC_KEY_UNSET_IN_TESTS", path)

    assert first == second
    assert first.startswith("-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_rotation_keeps_the_old_key_published(tmp_path: Path) -> None:
    key_file, retired = tmp_path / "oidc_key.pem", tmp_path / "oidc_retired"
    old = rsa_key_from_env_or_file("ONEWINDOW_OIDC_KEY_UNSET_IN_TESTS", key_file)

    with override_settings(OIDC_KEY_FILE=key_file, OIDC_RETIRED_DIR=retired):
        call_command("oidc_rotate_key")

    assert key_file.read_text() != old
    assert retired_keys(retired) == [old]


def _client(pk: int, redirect: str, subject_type: str = SubjectType.PAIRWISE) -> Client:
    return Client(pk=pk, client_id=f"c{pk}", redirect_uris=redirect, subject_type=subject_type)


hosts = st.from_regex(r"[a-z]{1,12}\.example", fullmatch=True)


@given(account=st.integers(min_value=1, max_value=10**9), one=hosts, other=hosts)
def test_pairwise_subjects_are_stable_per_sector_and_unlinkable_across(
    account: int, one: str, other: str
) -> None:
    user = User(pk=account)
    first = _client(1, f"https://{one}/cb")
    same_host = _client(2, f"https://{one}/other-path")
    elsewhere = _client(3, f"https://{other}/cb")

    subject = oidc.subject_for(user, first)

    assert subject == oidc.subject_for(user, same_host)  # one sector, one subject
    assert (subject == oidc.subject_for(user, elsewhere)) == (one == other)
    assert subject != str(account)
    assert len(subject) == 43


@pytest.mark.parametrize("subject_type", [SubjectType.PUBLIC])
def test_public_subjects_are_the_same_for_every_public_client(subject_type: str) -> None:
    user = User(pk=7)

    assert oidc.subject_for(user, _client(1, "https://a.example/cb", subject_type)) == (
        oidc.subject_for(user, _client(2, "https://b.example/cb", subject_type))
    )
