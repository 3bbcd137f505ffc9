"""One region of the two-instance federation test: `python -m tests.exchange.federation_region`
runs in that instance's own environment (its ONEWINDOW_VAR_DIR, SQLite file, keys and
ONEWINDOW_REGION_CODE) and reads one JSON list per line, answering each with one JSON line:

    ["seed", "320000"]                 divisions, departments, data services, a steward
    ["exchange-peer", "add", ...]      the `onewindow exchange-peer` command, as an operator
    ["call", "320000", ...]            federation.call_remote from here
    ["tamper", "320000", ...]          a request altered after signing, posted
    ["log"]                            both exchange logs
    ["issue"]                          a marriage certificate from this region's civil affairs
    ["credentials", "anchor"|...]      the `onewindow credentials` command, as an operator
    ["verify", "OW1:..."]              this region's verifier (the /verify page's), as a dict
    ["notification"]                   the e-mail and SMS of the holder's last message
    ["revoke", "<credential id>"]      an approver of the issuer revokes it
    ["health-code"]                    a resident's health code from this region's health department
    ["health-colour", "red"]           its approver marks the resident: the code is replaced

One process per region for the whole test: starting Django once, not once per step, keeps
the test fast. Data is made through the real services, as a region's own setup would.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from collections.abc import Callable
from typing import Any

REGIONS = {
    # code: (province zh/en, city code, city zh/en)
    "330000": ("浙江省", "Zhejiang", "330100", "杭州市", "Hangzhou"),
    "320000": ("江苏省", "Jiangsu", "320100", "南京市", "Nanjing"),
}
PERSON_ID = "320106198506151370"  # a Nanjing resident, known to region 320000's records
HOUSEHOLD = "public_security.household_registration"


def seed(region: str) -> dict[str, Any]:
    from datetime import date

    from onewindow.core.divisions import EconomicRegion, Level
    from onewindow.core.services import define_division
    from onewindow.exchange import services
    from onewindow.exchange.models import DataService
    from onewindow.exchange.seed import seed_data_services
    from onewindow.identity import services as identity
    from onewindow.identity.models import Department, DepartmentKind

    province_zh, province_en, city_code, city_zh, city_en = REGIONS[region]
    nation = define_division(
        code="000000", level=Level.NATION, name_zh="中国", name_en="China", parent=None
    )
    province = define_division(
        code=region,
        level=Level.PROVINCE,
        name_zh=province_zh,
        name_en=province_en,
        parent=nation,
        economic_region=EconomicRegion.EAST,
    )
    city = define_division(
        code=city_code, level=Level.CITY, name_zh=city_zh, name_en=city_en, parent=province
    )
    for kind in (DepartmentKind.PUBLIC_SECURITY, DepartmentKind.CIVIL_AFFAIRS):
        Department.objects.create(
            code=f"{city_code}-{kind.value}",
            name_zh=f"{city_zh}{kind.value}",
            name_en=f"{city_en} {kind.label}",
            kind=kind,
            division=city,
        )
    seed_data_services()
    provider = Department.objects.get(code=f"{city_code}-public_security")
    identity.create_officer(
        username="steward",
        password="correct-horse-battery",
        real_name="张管",
        department=provider,
        roles=("data_steward",),
    )
    if region == "320000":
        service = DataService.objects.get(code=HOUSEHOLD)
        record = {
            "name": "陈小红",
            "sex": "female",
            "birth_date": date(1985, 6, 15).isoformat(),
            "household_division": "320106",
            "household_head": "陈大红",
        }
        services.load_records(service, [(PERSON_ID, record)])
        identity.register_citizen(
            username="chen",
            password="correct-horse-battery",
            real_name="陈小红",
            id_number=PERSON_ID,
            mobile="13900000001",
        )
    return {
        "region": region,
        "departments": list(Department.objects.values_list("code", flat=True)),
    }


def call(peer_code: str, provider: str, consumer: str, purpose: str) -> dict[str, Any]:
    from onewindow.core.errors import DomainError
    from onewindow.exchange import federation
    from onewindow.exchange.models import PeerRegion
    from onewindow.identity.models import Department

    try:
        answer = federation.call_remote(
            Department.objects.get(code=consumer),
            PeerRegion.objects.get(code=peer_code),
            provider,
            HOUSEHOLD,
            subject=PERSON_ID,
            purpose=purpose,
            case_ref="330100-20261124-000007",
            actor="clerk.li",
        )
    except DomainError as error:
        return {"error": error.code, "status": error.status, "message": str(error)}
    return {"answer": answer}


def tamper(peer_code: str, provider: str, consumer: str, purpose: str) -> dict[str, Any]:
    """A request signed by our department, its purpose changed after signing."""
    from onewindow.exchange import federation
    from onewindow.exchange.models import PeerRegion
    from onewindow.identity.models import Department

    token, claims = federation.build_remote_request(
        Department.objects.get(code=consumer),
        provider,
        HOUSEHOLD,
        subject=PERSON_ID,
        purpose=purpose,
    )
    header, _payload, signature = token.split(".")
    forged = dict(claims, purpose="something_else")
    payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    answer = federation.post_request(
        PeerRegion.objects.get(code=peer_code),
        provider,
        HOUSEHOLD,
        f"{header}.{payload}.{signature}",
    )
    return {"status": answer.status, "content_type": answer.content_type}


def log() -> dict[str, Any]:
    from onewindow.exchange.models import ExchangeMessage, RemoteCall
    from onewindow.ledger.models import LedgerEntry

    return {
        "incoming": [
            {
                "status": message.status,
                "consumer": message.consumer.code if message.consumer else None,
                "peer": message.peer.code if message.peer else None,
                "remote_consumer": message.remote_consumer,
                "reason": message.reason,
                "about_a_known_person": message.subject_user_id is not None,
                "in_ledger": message.ledger_index is not None
                and LedgerEntry.objects.filter(index=message.ledger_index).exists(),
            }
            for message in ExchangeMessage.objects.order_by("pk")
        ],
        "outgoing": [
            {
                "status": remote.status,
                "peer": remote.peer.code,
                "http_status": remote.http_status,
                "reason": remote.reason,
                "in_ledger": remote.ledger_index is not None
                and LedgerEntry.objects.filter(index=remote.ledger_index).exists(),
            }
            for remote in RemoteCall.objects.order_by("pk")
        ],
    }


def exchange_peer(*args: str) -> dict[str, Any]:
    from io import StringIO

    from django.core.management import CommandError, call_command

    output = StringIO()
    try:
        call_command("exchange_peer", *args, stdout=output)
    except CommandError as error:
        return {"error": str(error)}
    return {"output": output.getvalue()}


def issue() -> dict[str, Any]:
    from onewindow.core.validators import resident_id_check_character
    from onewindow.credentials import services
    from onewindow.identity import services as identity
    from onewindow.identity.models import Department

    spouse_id, own_id = (
        body + resident_id_check_character(body)
        for body in ("33010619870620123", "33010619880101123")
    )
    holder = identity.register_citizen(
        username="bride",
        password="correct-horse-battery",
        real_name="李小雨",
        id_number=own_id,
        mobile="13900000002",
    )
    holder.email = "bride@example.com"  # so that the issuance notice has an e-mail copy
    holder.save(update_fields=["email"])
    credential = services.issue_credential(
        kind="marriage_certificate",
        issuer=Department.objects.get(code="330100-civil_affairs"),
        holder=holder,
        case_ref="330100-20261124-000009",
        subject={
            "holderName": "李小雨",
            "idNumber": own_id,
            "idNumberMasked": own_id[:6] + "********" + own_id[-4:],
            "spouseName": "张大海",
            "spouseIdNumber": spouse_id,
            "spouseIdNumberMasked": spouse_id[:6] + "********" + spouse_id[-4:],
            "registeredOn": "2026-11-24",
        },
    )
    return {
        "id": str(credential.pk),
        "qr": services.qr_of(credential),
        "qr_url": services.qr_url(credential),
        "sd_jwt": services.sd_jwt_of(credential),
    }


def notification() -> dict[str, Any]:
    """Deliver the last message of the holder issued to above (`issue`), as the worker would,
    to an e-mail address and the SMS adapter's outbox; what each copy says."""
    import contextlib
    import io

    from django.core import mail
    from django.test import override_settings

    from onewindow.identity import sms
    from onewindow.notify import delivery
    from onewindow.notify.models import Message

    message = Message.objects.filter(recipient__username="bride").latest("pk")
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        contextlib.redirect_stdout(io.StringIO()),  # the console SMS adapter prints
    ):
        mail.outbox = []
        delivery.deliver(message.pk)
        return {"link": message.link, "email": mail.outbox[-1].body, "sms": sms.outbox[-1][1]}


def credentials(*args: str) -> dict[str, Any]:
    from io import StringIO

    from django.core.management import CommandError, call_command

    output = StringIO()
    try:
        call_command("credentials", *args, stdout=output)
    except CommandError as error:
        return {"error": str(error)}
    return {"output": output.getvalue()}


def verify(text: str) -> dict[str, Any]:
    from onewindow.credentials import selectors

    checked = selectors.check(text)
    return {
        **checked.verdict.as_dict(),
        "region": checked.verdict.issuer and checked.verdict.issuer.region,
    }


def revoke(credential_id: str) -> dict[str, Any]:
    from onewindow.credentials import services
    from onewindow.credentials.models import Credential
    from onewindow.identity import services as identity

    credential = Credential.objects.get(pk=credential_id)
    approver = identity.create_officer(
        username="approver",
        password="correct-horse-battery",
        real_name="王批",
        department=credential.issuer,
        roles=("approver",),
    )
    services.change_status(approver, credential, to="revoked", reason="登记无效，依法撤销")
    return {"status": "revoked"}


def _code(credential: Any) -> dict[str, Any]:
    from onewindow.credentials import services

    return {
        "id": str(credential.pk),
        "number": credential.number,
        "qr": services.qr_of(credential),
        "qr_url": services.qr_url(credential),
        "sd_jwt": services.sd_jwt_of(credential),
    }


def health_code() -> dict[str, Any]:
    """A health department for the region's city, its approver, and a resident's first code."""
    from onewindow.alerts import health_codes
    from onewindow.core.validators import resident_id_check_character
    from onewindow.identity import services as identity
    from onewindow.identity.models import Department, DepartmentKind

    city = Department.objects.get(code__endswith="-civil_affairs").division
    health = Department.objects.create(
        code=f"{city.code}-health",
        name_zh=f"{city.name_zh}卫生健康委员会",
        name_en=f"{city.name_en} Health Commission",
        kind=DepartmentKind.HEALTH,
        division=city,
    )
    identity.create_officer(
        username="health-approver",
        password="correct-horse-battery",
        real_name="周医",
        department=health,
        roles=("approver",),
    )
    body = f"{city.code}19900303123"
    traveller = identity.register_citizen(
        username="traveller",
        password="correct-horse-battery",
        real_name="赵小路",
        id_number=body + resident_id_check_character(body),
        mobile="13900000003",
        division=city,
    )
    return _code(health_codes.code_for(traveller))


def health_colour(colour: str) -> dict[str, Any]:
    from onewindow.alerts import health_codes
    from onewindow.identity.models import User

    status = health_codes.set_colour(
        User.objects.get(username="health-approver"),
        User.objects.get(username="traveller"),
        colour=colour,
        reason="密切接触者，居家观察",
    )
    return _code(status.code)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.config.settings")
    import django

    django.setup()
    actions: dict[str, Callable[..., object]] = {
        "seed": seed,
        "exchange-peer": exchange_peer,
        "call": call,
        "tamper": tamper,
        "log": log,
        "issue": issue,
        "credentials": credentials,
        "verify": verify,
        "revoke": revoke,
        "notification": notification,
        "health-code": health_code,
        "health-colour": health_colour,
    }
    for line in sys.stdin:
        action, *arguments = json.loads(line)
        sys.stdout.write(json.dumps(actions[action](*arguments), ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
