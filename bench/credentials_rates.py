"""Credentials: issuances and verifications per second against the raw Ed25519 rates of
`cryptography` measured in the same run, and the time to render a licence PDF.

    .venv/bin/python bench/credentials_rates.py [--count 2000] [--repeat 5] [--issue 200]
    (or `make bench-credentials`)

In one process, on a fresh SQLite database in a temp dir (migrated, the test departments
and catalogue, one citizen):

- raw sign/s and verify/s: Ed25519 with a key object made once, on a 400-byte message;
- formats: an SD-JWT VC with 7 disclosures plus its QR payload signed (2 signatures), with
  the seal already loaded: the signing path without the database;
- issue (DB): `credentials.services.issue_credential` end to end (status bit, number,
  encryption, ledger entry, notification, commit), each a transaction;
- verify QR / verify SD-JWT: `credentials.verify.verify` on the QR payload and on the full
  credential with every disclosure, against a trust list loaded once (the standalone
  verifier's path; status lookups answered from memory, as a verifier with a cached list);
- PDF: `credentials.pdf.render` of a business licence (ms per licence, font registered once).

Every figure is the median of `--repeat` rounds; ratios are against the same run's raw rates.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rate(action: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        action()
    return count / (time.perf_counter() - started)


def median_of(repeat: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--issue", type=int, default=200)
    parser.add_argument("--pdf", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="onewindow-bench-credentials-")
    os.environ["ONEWINDOW_VAR_DIR"] = folder
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "onewindow.config.settings"
    os.environ.setdefault("ONEWINDOW_LOG_LEVEL", "WARNING")
    sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "bench")]
    import django

    django.setup()
    import random

    from applications_load import define_map
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.core.management import call_command
    from django.test.utils import override_settings
    from tests.applications import factories
    from tests.identity.factories import citizen

    from onewindow.core.validators import generate_credit_code
    from onewindow.credentials import formats, pdf, seals, services
    from onewindow.credentials.verify import verify
    from onewindow.identity.models import Department
    from onewindow.identity.services import register_business

    call_command("migrate", verbosity=0)
    made = define_map()
    factories.departments(made)
    holder = citizen(made["community"])
    issuer = Department.objects.get(code="330106-market_supervision")
    subject = {
        "companyName": "杭州西湖云帆科技有限公司",
        "creditCode": "91330106MA2KXXXX1Y",
        "legalRepresentative": "王小明",
        "registeredCapital": "100万元",
        "businessScope": "软件开发；信息技术咨询服务；数据处理和存储支持服务",
        "registeredAddress": "杭州市西湖区文三路 90 号 8 楼",
        "establishedOn": "2026-11-24",
    }

    message = os.urandom(400)
    raw_key = Ed25519PrivateKey.generate()
    raw_public = raw_key.public_key()
    signature = raw_key.sign(message)
    raw_sign = median_of(
        arguments.repeat, lambda: rate(lambda: raw_key.sign(message), arguments.count)
    )
    raw_verify = median_of(
        arguments.repeat,
        lambda: rate(lambda: raw_public.verify(signature, message), arguments.count),
    )

    seal = seals.seal_of(issuer)

    def sign_formats() -> None:
        formats.issue_sd_jwt(
            {"iss": "x", "credentialSubject": {}}, subject, key=seal.private, kid=seal.kid
        )
        formats.issue_qr(
            {7: b"0" * 16, -70001: {"k": "BL", "s": list(subject.values())[:4]}},
            key=seal.private,
            key_id=seal.qr_kid,
        )

    formats_rate = median_of(arguments.repeat, lambda: rate(sign_formats, arguments.count))

    generator = random.Random(1)
    counter = iter(range(10**9))

    def issue_one() -> None:
        business = register_business(
            holder,
            credit_code=generate_credit_code(generator, division_code="330106"),
            name=f"云帆{next(counter)}",
            division=made["district"],
        )
        services.issue_credential(
            kind="business_licence",
            issuer=issuer,
            subject={**subject, "creditCode": business.credit_code},
            case_ref=f"bench-{next(counter)}",
            business=business,
        )

    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        issue_rate = median_of(arguments.repeat, lambda: rate(issue_one, arguments.issue))

    from onewindow.credentials.models import Credential

    credential = Credential.objects.order_by("-valid_from").first()
    assert credential is not None
    trust = services.trust()
    qr, sd_jwt = services.qr_of(credential), services.sd_jwt_of(credential)

    def no_status(issuer: object, purpose: str, index: int) -> bool:
        return False

    assert verify(qr, trust, status=no_status).is_valid
    assert verify(sd_jwt, trust, status=no_status).is_valid
    qr_rate = median_of(
        arguments.repeat, lambda: rate(lambda: verify(qr, trust, status=no_status), arguments.count)
    )
    sd_rate = median_of(
        arguments.repeat,
        lambda: rate(lambda: verify(sd_jwt, trust, status=no_status), arguments.count),
    )
    pdf.render(credential)  # the font is registered once per process
    pdf_ms = median_of(
        arguments.repeat, lambda: 1000 / rate(lambda: pdf.render(credential), arguments.pdf)
    )

    import segno

    version = segno.make(qr, error="m").version
    rows = [
        ("raw Ed25519 sign (ceiling)", raw_sign, 1.0),
        ("raw Ed25519 verify (ceiling)", raw_verify, 1.0),
        (
            "sign SD-JWT VC + QR, no database (2 signatures)",
            formats_rate,
            formats_rate * 2 / raw_sign,
        ),
        ("issue end to end (DB, ledger, notice)", issue_rate, issue_rate * 2 / raw_sign),
        ("verify QR payload", qr_rate, qr_rate / raw_verify),
        ("verify SD-JWT VC, 7 disclosures", sd_rate, sd_rate / raw_verify),
    ]
    print(f"credentials, medians of {arguments.repeat}; QR {len(qr)} chars, version {version}-M")
    print(f"{'':52} {'per second':>12} {'× ceiling':>10}")
    for name, value, ratio in rows:
        print(f"{name:52} {value:12,.0f} {ratio:10.2f}")
    print(f"{'PDF of a business licence':52} {pdf_ms:10.1f} ms")


if __name__ == "__main__":
    main()
