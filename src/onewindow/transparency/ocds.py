"""Procurement as the Open Contracting Data Standard: release and record packages, and the
public search. Amounts in yuan (CNY); suppliers identified by their unified social credit
code (scheme CN-SAMR: the org-id.guide code for the market regulator's register)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import NotFound
from onewindow.exchange.credit.selectors import PublicSection
from onewindow.transparency.models import Procurement, ProcurementStatus

OCDS_VERSION = "1.1"
CREDIT_SCHEME = "CN-SAMR"
STATUS_CHOICES = ProcurementStatus.choices
METHOD = {"open": "open", "selective": "selective", "limited": "limited"}
TENDER_STATUS = {
    ProcurementStatus.PLANNING: "planning",
    ProcurementStatus.TENDER: "active",
    ProcurementStatus.AWARD: "complete",
    ProcurementStatus.CONTRACT: "complete",
    ProcurementStatus.COMPLETE: "complete",
    ProcurementStatus.CANCELLED: "cancelled",
}


def search(q: str, *, status: str = "") -> list[Procurement]:
    found = Procurement.objects.select_related("buyer").prefetch_related("bids", "milestones")
    for word in q.split():
        found = found.filter(
            Q(title_zh__icontains=word)
            | Q(title_en__icontains=word)
            | Q(supplier_name__icontains=word)
            | Q(ocid__icontains=word)
        )
    if status:
        found = found.filter(status=status)
    return list(found.order_by("-planned_on", "ocid")[:200])


def process(ocid: str) -> Procurement:
    found = (
        Procurement.objects.select_related("buyer")
        .prefetch_related("bids", "milestones")
        .filter(ocid=ocid)
        .first()
    )
    if found is None:
        raise NotFound("No procurement has this ocid.", field="ocid")
    return found


def _value(fen: int) -> dict[str, Any]:
    return {"amount": fen / 100, "currency": "CNY"}


def _date(day: Any) -> str:
    return f"{day.isoformat()}T00:00:00+08:00"


def _party_id(credit_code: str) -> str:
    return f"{CREDIT_SCHEME}-{credit_code}"


def _parties(p: Procurement, base: str) -> list[dict[str, Any]]:
    buyer = {
        "id": f"CN-GOV-{p.buyer.code}",
        "name": p.buyer.name_zh,
        "identifier": {"scheme": "CN-GOV", "id": p.buyer.code, "legalName": p.buyer.name_zh},
        "roles": ["buyer", "procuringEntity"],
    }
    parties = [buyer]
    for bid in p.bids.all():
        roles = ["tenderer"]
        if bid.credit_code == p.supplier_credit_code:
            roles.append("supplier")
        parties.append(
            {
                "id": _party_id(bid.credit_code),
                "name": bid.name,
                "identifier": {
                    "scheme": CREDIT_SCHEME,
                    "id": bid.credit_code,
                    "legalName": bid.name,
                },
                "roles": roles,
                "details": {
                    "creditProfile": f"{base}{reverse('credit:profile', args=[bid.credit_code])}"
                },
            }
        )
    return parties


def _tender(p: Procurement) -> dict[str, Any]:
    tender: dict[str, Any] = {
        "id": f"{p.ocid}-tender",
        "title": p.title_zh,
        "status": TENDER_STATUS[ProcurementStatus(p.status)],
        "procurementMethod": METHOD[p.method],
        "mainProcurementCategory": "services",
        "value": _value(p.budget_fen),
        "procuringEntity": {"id": f"CN-GOV-{p.buyer.code}", "name": p.buyer.name_zh},
        "numberOfTenderers": len(p.bids.all()),
        "tenderers": [{"id": _party_id(b.credit_code), "name": b.name} for b in p.bids.all()],
    }
    if p.tender_start and p.tender_end:
        tender["tenderPeriod"] = {
            "startDate": _date(p.tender_start),
            "endDate": _date(p.tender_end),
        }
    if p.awarded_on and p.complaint_end:
        tender["enquiryPeriod"] = {
            "startDate": _date(p.awarded_on),
            "endDate": _date(p.complaint_end),
        }
    return tender


def _award(p: Procurement) -> dict[str, Any]:
    award: dict[str, Any] = {
        "id": f"{p.ocid}-award-1",
        "title": p.title_zh,
        "status": "active",
        "date": _date(p.awarded_on),
        "value": _value(p.award_fen or 0),
        "suppliers": [{"id": _party_id(p.supplier_credit_code), "name": p.supplier_name}],
    }
    if p.contract_signed and p.contract_end:
        award["contractPeriod"] = {
            "startDate": _date(p.contract_signed),
            "endDate": _date(p.contract_end),
        }
    return award


def _contract(p: Procurement) -> dict[str, Any]:
    contract: dict[str, Any] = {
        "id": f"{p.ocid}-contract-1",
        "awardID": f"{p.ocid}-award-1",
        "title": p.title_zh,
        "status": "terminated" if p.status == ProcurementStatus.COMPLETE else "active",
        "value": _value(p.award_fen or 0),
        "dateSigned": _date(p.contract_signed),
        "period": {"startDate": _date(p.contract_signed)},
        "implementation": {
            "milestones": [
                {
                    "id": f"m{number}",
                    "title": milestone.title,
                    "dueDate": _date(milestone.due),
                    "status": "met" if milestone.met_on else "scheduled",
                    **({"dateMet": _date(milestone.met_on)} if milestone.met_on else {}),
                }
                for number, milestone in enumerate(p.milestones.all(), start=1)
            ]
        },
    }
    if p.contract_end:
        contract["period"]["endDate"] = _date(p.contract_end)
    return contract


def releases(p: Procurement, base: str) -> list[dict[str, Any]]:
    """One release per stage the process has reached, oldest first (OCDS: each release a
    notice at its date)."""
    common = {
        "ocid": p.ocid,
        "language": "zh",
        "initiationType": "tender",
        "buyer": {"id": f"CN-GOV-{p.buyer.code}", "name": p.buyer.name_zh},
        "parties": _parties(p, base),
    }
    planning = {
        "budget": {"description": p.title_zh, "amount": _value(p.budget_fen)},
        "rationale": p.title_en,
    }
    found = [
        {
            **common,
            "id": f"{p.ocid}-planning",
            "date": _date(p.planned_on),
            "tag": ["planning"],
            "planning": planning,
        }
    ]
    if p.tender_start:
        found.append(
            {
                **common,
                "id": f"{p.ocid}-tender",
                "date": _date(p.tender_start),
                "tag": ["tender"],
                "planning": planning,
                "tender": _tender(p),
            }
        )
    if p.awarded_on:
        found.append(
            {
                **common,
                "id": f"{p.ocid}-award",
                "date": _date(p.awarded_on),
                "tag": ["award"],
                "tender": _tender(p),
                "awards": [_award(p)],
            }
        )
    if p.contract_signed:
        tag = "contractTermination" if p.status == ProcurementStatus.COMPLETE else "contract"
        day = p.completed_on or p.contract_signed
        found.append(
            {
                **common,
                "id": f"{p.ocid}-{tag}",
                "date": _date(day),
                "tag": [tag],
                "awards": [_award(p)],
                "contracts": [_contract(p)],
            }
        )
    if p.status == ProcurementStatus.CANCELLED:
        found.append(
            {
                **common,
                "id": f"{p.ocid}-cancelled",
                "date": _date(p.updated_at.date()),
                "tag": ["tenderCancellation"],
                "tender": _tender(p),
            }
        )
    return found


def _publisher() -> dict[str, Any]:
    return {"name": "杭州市公共资源交易中心", "scheme": "CN-GOV", "uid": "330100-data_bureau"}


def release_package(processes: list[Procurement], base: str) -> dict[str, Any]:
    all_releases = [release for p in processes for release in releases(p, base)]
    latest = max((release["date"] for release in all_releases), default="2026-01-01T00:00:00+08:00")
    return {
        "uri": f"{base}{reverse('transparency:procurement-all')}",
        "version": OCDS_VERSION,
        "publishedDate": latest,
        "publisher": _publisher(),
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "publicationPolicy": f"{base}{reverse('transparency:procurement')}",
        "releases": all_releases,
    }


def record_package(processes: list[Procurement], base: str) -> dict[str, Any]:
    """Records: each process's releases, linked, with the compiled release (the latest
    state of every field: here the last release's fields over the earlier ones')."""
    records: list[dict[str, Any]] = []
    for p in processes:
        found = releases(p, base)
        package_url = f"{base}{reverse('transparency:procurement-releases', args=[p.ocid])}"
        compiled: dict[str, Any] = {}
        for release in found:
            compiled.update(release)
        compiled = {**compiled, "id": f"{p.ocid}-compiled", "tag": ["compiled"]}
        records.append(
            {
                "ocid": p.ocid,
                "releases": [
                    {
                        "url": f"{package_url}#{release['id']}",
                        "date": release["date"],
                        "tag": release["tag"],
                    }
                    for release in found
                ],
                "compiledRelease": compiled,
            }
        )
    return {
        "uri": f"{base}{reverse('transparency:procurement')}",
        "version": OCDS_VERSION,
        "publishedDate": max(
            (r["compiledRelease"]["date"] for r in records), default="2026-01-01T00:00:00+08:00"
        ),
        "publisher": _publisher(),
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "publicationPolicy": f"{base}{reverse('transparency:procurement')}",
        "records": records,
    }


def awards_section(credit_code: str) -> PublicSection | None:
    """The public contracts a business was awarded, for its credit profile's public page
    (registered with exchange.credit in TransparencyConfig.ready)."""
    won = (
        Procurement.objects.filter(supplier_credit_code=credit_code, awarded_on__isnull=False)
        .select_related("buyer")
        .order_by("-awarded_on")
    )
    return PublicSection(
        key="public-contracts",
        title=_("Government contracts awarded"),
        columns=(_("Process"), _("Buyer"), _("Awarded"), _("Contract value (yuan)"), _("Stage")),
        rows=[
            (
                reverse("transparency:procurement-detail", args=[p.ocid]),
                (
                    p.title,
                    p.buyer.name,
                    p.awarded_on.isoformat() if p.awarded_on else "",
                    f"{(p.award_fen or 0) / 100:,.2f}",
                    str(p.get_status_display()),
                ),
            )
            for p in won
        ],
    )
