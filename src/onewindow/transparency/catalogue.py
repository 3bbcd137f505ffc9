"""How datasets are described to machines: CKAN's package, resource and organisation
dictionaries, and the DCAT-AP 3 catalogue as JSON-LD (harvested by national portals)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse

from onewindow.identity.models import Department
from onewindow.transparency import selectors
from onewindow.transparency.models import LICENCE_URLS, Dataset, Licence, Release

MEDIA_TYPES = {
    "CSV": "text/csv",
    "JSON": "application/json",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _iso(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="seconds")


def download_url(release: Release, fmt: str, base: str) -> str:
    path = reverse("transparency:download", args=[release.dataset.name, fmt.lower()])
    return f"{base}{path}?version={release.version}"


def resource(release: Release, fmt: str, base: str) -> dict[str, Any]:
    ds = release.dataset
    return {
        "id": selectors.resource_id(release, fmt),
        "package_id": str(ds.id),
        "name": f"{ds.title_en} ({fmt})",
        "description": f"{ds.title_zh} · v{release.version}",
        "format": fmt,
        "mimetype": MEDIA_TYPES[fmt],
        "url": download_url(release, fmt, base),
        "datastore_active": fmt == "CSV",
        "created": _iso(release.created_at),
        "last_modified": _iso(release.created_at),
        "hash": f"sha256:{release.digest}",
        "position": list(MEDIA_TYPES).index(fmt),
        "state": "active",
    }


def organization(department: Department, count: int, base: str) -> dict[str, Any]:
    return {
        "id": department.code,
        "name": department.code,
        "title": department.name_zh,
        "display_name": department.name_zh,
        "description": department.name_en,
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "package_count": count,
        "image_url": "",
    }


def group(name: str, count: int) -> dict[str, Any]:
    return {
        "id": name,
        "name": name,
        "title": name,
        "display_name": name,
        "type": "group",
        "is_organization": False,
        "state": "active",
        "package_count": count,
    }


def package(ds: Dataset, base: str) -> dict[str, Any]:
    release = selectors.latest(ds)
    resources = [resource(release, fmt, base) for fmt in selectors.FORMATS]
    return {
        "id": str(ds.id),
        "name": ds.name,
        "title": ds.title_zh,
        "title_en": ds.title_en,
        "notes": ds.notes_zh,
        "notes_en": ds.notes_en,
        "type": "dataset",
        "state": "active",
        "private": False,
        "version": str(release.version),
        "license_id": ds.licence,
        "license_title": Licence(ds.licence).label,
        "license_url": LICENCE_URLS[Licence(ds.licence)],
        "isopen": True,
        "owner_org": ds.organization.code,
        "organization": organization(ds.organization, 0, base),
        "groups": [group(name, 0) for name in ds.groups],
        "tags": [{"id": tag, "name": tag, "display_name": tag} for tag in ds.tags],
        "num_tags": len(ds.tags),
        "resources": resources,
        "num_resources": len(resources),
        "metadata_created": _iso(ds.created_at),
        "metadata_modified": _iso(release.created_at),
        "url": f"{base}{reverse('transparency:dataset', args=[ds.name])}",
        "extras": [
            {"key": "k_anonymity", "value": str(release.k)},
            {"key": "epsilon", "value": "" if release.epsilon is None else str(release.epsilon)},
            {"key": "epsilon_budget", "value": str(ds.epsilon_budget)},
            {"key": "epsilon_spent", "value": str(ds.epsilon_spent)},
            {"key": "suppressed_cells", "value": str(release.suppressed_cells)},
            {"key": "sha256", "value": release.digest},
            {"key": "ledger_index", "value": str(release.ledger_index)},
        ],
    }


# ----- DCAT-AP 3 -----------------------------------------------------------------------------

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "adms": "http://www.w3.org/ns/adms#",
}


def _text(zh: str, en: str) -> list[dict[str, str]]:
    values = [{"@value": zh, "@language": "zh-Hans"}]
    if en:
        values.append({"@value": en, "@language": "en"})
    return values


def _date(value: Any) -> dict[str, str]:
    return {"@value": _iso(value), "@type": "xsd:dateTime"}


def _agent(department: Department, base: str) -> dict[str, Any]:
    return {
        "@id": f"{base}{reverse('transparency:list')}?organization={department.code}",
        "@type": "foaf:Agent",
        "foaf:name": _text(department.name_zh, department.name_en),
    }


def dcat_dataset(ds: Dataset, base: str) -> dict[str, Any]:
    release = selectors.latest(ds)
    page = f"{base}{reverse('transparency:dataset', args=[ds.name])}"
    licence = {"@id": LICENCE_URLS[Licence(ds.licence)], "@type": "dct:LicenseDocument"}
    return {
        "@id": f"{page}#dataset",
        "@type": "dcat:Dataset",
        "dct:identifier": str(ds.id),
        "dct:title": _text(ds.title_zh, ds.title_en),
        "dct:description": _text(ds.notes_zh or ds.title_zh, ds.notes_en or ds.title_en),
        "dct:publisher": _agent(ds.organization, base),
        "dct:issued": _date(ds.created_at),
        "dct:modified": _date(release.created_at),
        "dct:license": licence,
        "dcat:keyword": [{"@value": tag} for tag in ds.tags],
        "dcat:landingPage": {"@id": page, "@type": "foaf:Document"},
        "dcat:version": str(release.version),
        "dcat:contactPoint": {
            "@id": f"{page}#contact",
            "@type": "vcard:Organization",
            "vcard:fn": ds.organization.name_zh,
        },
        "dcat:distribution": [
            {
                "@id": f"{page}#{fmt.lower()}",
                "@type": "dcat:Distribution",
                "dct:title": _text(f"{ds.title_zh}（{fmt}）", f"{ds.title_en} ({fmt})"),
                "dcat:accessURL": {"@id": page},
                "dcat:downloadURL": {"@id": download_url(release, fmt, base)},
                "dcat:mediaType": {
                    "@id": f"http://www.iana.org/assignments/media-types/{MEDIA_TYPES[fmt]}"
                },
                "dct:format": {
                    "@id": f"http://publications.europa.eu/resource/authority/file-type/{fmt}"
                },
                "dct:license": licence,
                "dct:modified": _date(release.created_at),
            }
            for fmt in selectors.FORMATS
        ],
    }


def dcat_catalog(base: str, *, site_zh: str, site_en: str) -> dict[str, Any]:
    datasets = [dcat_dataset(ds, base) for ds in selectors.published()]
    home = f"{base}{reverse('transparency:list')}"
    first = selectors.published().first()
    publisher: dict[str, Any] = (
        _agent(first.organization, base)
        if first
        else {
            "@id": f"{home}#publisher",
            "@type": "foaf:Agent",
            "foaf:name": _text(site_zh, site_en),
        }
    )
    return {
        "@context": CONTEXT,
        "@id": f"{home}#catalog",
        "@type": "dcat:Catalog",
        "dct:title": _text(f"{site_zh}开放数据", f"{site_en} open data"),
        "dct:description": _text(
            f"{site_zh}政务开放数据目录（经脱敏处理）",
            f"Open government data of {site_en}, desensitised before release",
        ),
        "dct:publisher": publisher,
        "foaf:homepage": {"@id": home},
        "dct:language": [
            {"@id": "http://publications.europa.eu/resource/authority/language/ZHO"},
            {"@id": "http://publications.europa.eu/resource/authority/language/ENG"},
        ],
        "dcat:dataset": datasets,
    }
