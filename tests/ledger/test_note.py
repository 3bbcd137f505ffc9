"""C2SP signed notes, checkpoints and cosignatures, including the Go sumdb note test vector."""

from __future__ import annotations

import base64

import pytest

from onewindow.ledger import note

GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIGNED = (
    GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FF"
    "YC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_signing_matches_the_go_reference_implementation() -> None:
    signer = note.Signer.from_seed("PeterNeumann", GO_SEED)

    assert signer.verifier.encode() == GO_VKEY
    assert note.sign_note(GO_TEXT, [signer]) == GO_SIGNED


def test_a_note_signed_by_a_trusted_key_opens() -> None:
    opened, verified = note.open_note(GO_SIGNED, [note.Verifier.parse(GO_VKEY)])

    assert opened.text == GO_TEXT
    assert [signature.name for signature in verified] == ["PeterNeumann"]


def test_an_altered_text_fails_verification() -> None:
    altered = GO_SIGNED.replace("answer", "Answer")

    with pytest.raises(note.NoteError, match="does not verify"):
        note.open_note(altered, [note.Verifier.parse(GO_VKEY)])


def test_a_note_from_an_unknown_key_is_refused() -> None:
    stranger = note.Signer.from_seed("PeterNeumann", bytes(32))

    with pytest.raises(note.NoteError, match="no signature from a trusted key"):
        note.open_note(GO_SIGNED, [stranger.verifier])


def test_a_verifier_key_with_a_wrong_id_is_refused() -> None:
    with pytest.raises(note.NoteError, match="key ID"):
        note.Verifier.parse(GO_VKEY.replace("c74f20a3", "c74f20a4"))


@pytest.mark.parametrize(
    "message",
    [GO_TEXT, GO_SIGNED.rstrip("\n"), GO_SIGNED.replace("\u2014", "-"), "a\x07b\n\n"],
)
def test_malformed_notes_are_refused(message: str) -> None:
    with pytest.raises(note.NoteError):
        note.parse_note(message)


def test_a_checkpoint_round_trips_and_its_origin_must_match_the_key_name() -> None:
    signer = note.Signer.from_seed("onewindow.example/ledger", bytes(range(32)))
    checkpoint = note.Checkpoint("onewindow.example/ledger", 42, bytes(32))
    signed = note.sign_note(checkpoint.text(), [signer])

    opened, _ = note.open_checkpoint(signed, signer.verifier)
    assert opened == checkpoint
    assert signed.startswith(
        "onewindow.example/ledger\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
    )

    impostor = note.Signer.from_seed("onewindow.example/ledger", bytes(range(32)))
    other = note.Checkpoint("elsewhere.example/log", 42, bytes(32))
    with pytest.raises(note.NoteError, match="origin"):
        note.open_checkpoint(note.sign_note(other.text(), [impostor]), signer.verifier)


@pytest.mark.parametrize("size", ["042", "-1", "", "1e3"])
def test_a_checkpoint_size_must_be_plain_decimal(size: str) -> None:
    with pytest.raises(note.NoteError, match="size"):
        note.Checkpoint.parse(f"origin\n{size}\n{base64.b64encode(bytes(32)).decode()}\n")


def test_a_witness_cosignature_verifies_over_the_checkpoint_text() -> None:
    log = note.Signer.from_seed("onewindow.example/ledger", bytes(range(32)))
    witness = note.Signer.from_seed("auditor.example/w1", bytes(32), note.COSIGNATURE_V1)
    text = note.Checkpoint("onewindow.example/ledger", 7, bytes(32)).text()
    signed = note.sign_note(text, [log]) + witness.signature_line(text, timestamp=1_700_000_000)

    _, verified = note.open_note(signed, [witness.verifier])

    assert verified[0].timestamp == 1_700_000_000
    assert witness.verifier.encode().startswith("auditor.example/w1+")
    assert note.Verifier.parse(witness.verifier.encode()) == witness.verifier
    forged = signed.replace("\n7\n", "\n8\n")
    with pytest.raises(note.NoteError):
        note.open_note(forged, [witness.verifier])
