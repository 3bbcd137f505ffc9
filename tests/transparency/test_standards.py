"""The machine-readable outputs meet their standards, checked by the tools their users run:
rdflib and a SHACL shape of DCAT-AP's mandatory properties for the catalogue; the
Frictionless validator for every fiscal data package; the OCDS schema for every release and
record package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from frictionless import validate
from jsonschema import Draft4Validator, FormatChecker
from pyshacl import validate as shacl_validate
from rdflib import Graph
from rdflib.namespace import DCTERMS as DCT
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

import onewindow.transparency
from onewindow.core.models import Division
from onewindow.identity.models import Role
from onewindow.transparency.models import Procurement
from tests.identity.factories import officer
from tests.transparency import factories

pytestmark = pytest.mark.django_db
OCDS = Path(onewindow.transparency.__file__).parent / "data" / "ocds"

# DCAT-AP 3's mandatory properties (catalogue: title, description, publisher, datasets;
# dataset: title, description; distribution: access URL; agent: name), with the
# recommended ones we promise (licence, keywords, contact point, download URL).
DCAT_AP_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <urn:onewindow:shapes#> .

ex:Catalog a sh:NodeShape ; sh:targetClass dcat:Catalog ;
  sh:property [ sh:path dct:title ; sh:minCount 1 ; sh:nodeKind sh:Literal ] ;
  sh:property [ sh:path dct:description ; sh:minCount 1 ; sh:nodeKind sh:Literal ] ;
  sh:property [ sh:path dct:publisher ; sh:minCount 1 ; sh:maxCount 1 ; sh:class foaf:Agent ] ;
  sh:property [ sh:path dcat:dataset ; sh:minCount 1 ; sh:class dcat:Dataset ] .
ex:Dataset a sh:NodeShape ; sh:targetClass dcat:Dataset ;
  sh:property [ sh:path dct:title ; sh:minCount 1 ; sh:nodeKind sh:Literal ] ;
  sh:property [ sh:path dct:description ; sh:minCount 1 ; sh:nodeKind sh:Literal ] ;
  sh:property [ sh:path dct:publisher ; sh:maxCount 1 ; sh:class foaf:Agent ] ;
  sh:property [ sh:path dcat:distribution ; sh:minCount 1 ; sh:class dcat:Distribution ] ;
  sh:property [ sh:path dcat:contactPoint ; sh:minCount 1 ] ;
  sh:property [ sh:path dcat:keyword ; sh:nodeKind sh:Literal ] ;
  sh:property [ sh:path dct:license ; sh:minCount 1 ; sh:maxCount 1 ] .
ex:Distribution a sh:NodeShape ; sh:targetClass dcat:Distribution ;
  sh:property [ sh:path dcat:accessURL ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path dcat:downloadURL ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path dct:license ; sh:maxCount 1 ] .
ex:Agent a sh:NodeShape ; sh:targetClass foaf:Agent ;
  sh:property [ sh:path foaf:name ; sh:minCount 1 ; sh:nodeKind sh:Literal ] .
"""


def _world(divisions: dict[str, Division]) -> dict[str, Any]:
    bureau = factories.bureau(divisions)
    publisher = factories.publisher(bureau)
    factories.fixed_dataset(publisher, bureau)
    factories.fixed_dataset(publisher, bureau, name="bus-stops", tags=("transport",))
    education = factories.education_bureau(divisions)
    accountant = officer(education, roles=(Role.DATA_PUBLISHER,), username="edu-publisher")
    factories.budgets(accountant, education)
    return {"processes": factories.procurements(education)}


def test_the_dcat_catalogue_parses_and_meets_dcat_ap_shapes(
    client: Client, divisions: dict[str, Division]
) -> None:
    _world(divisions)
    body = client.get("/open-data/catalog.jsonld").content

    graph = Graph().parse(data=body, format="json-ld")
    conforms, _report, text = shacl_validate(
        graph, shacl_graph=Graph().parse(data=DCAT_AP_SHAPES, format="turtle")
    )

    assert conforms, text
    # The shapes do bite: without its titles the catalogue no longer conforms.
    untitled = Graph().parse(data=body, format="json-ld")
    untitled.remove((None, DCT.title, None))
    assert not shacl_validate(
        untitled, shacl_graph=Graph().parse(data=DCAT_AP_SHAPES, format="turtle")
    )[0]
    datasets = set(graph.subjects(predicate=None, object=None))
    assert len(datasets) > 10
    one = Graph().parse(
        data=client.get("/open-data/dataset/bus-stops.jsonld").content, format="json-ld"
    )
    assert len(one) > 10


def test_every_fiscal_data_package_passes_frictionless_validate(
    client: Client, divisions: dict[str, Division], tmp_path: Path
) -> None:
    _world(divisions)
    names = ["budget-2025", "spending-2025"]
    for name in names:
        folder = tmp_path / name
        folder.mkdir()
        descriptor = client.get(f"/open-data/fiscal/{name}/datapackage.json").json()
        (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
        for resource in descriptor["resources"]:
            data = client.get(f"/open-data/fiscal/{name}/{resource['path']}").content
            (folder / resource["path"]).write_bytes(data)

        report = validate(str(folder / "datapackage.json"))

        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
        assert report.stats["tasks"] == 1
    rows = client.get("/open-data/fiscal/budget-2025/budget-2025.csv").content.decode()
    assert "教育支出" in rows


def _ocds_validator(name: str) -> Draft4Validator:
    resources = []
    for path in OCDS.glob("*.json"):
        schema = json.loads(path.read_text())
        resource = Resource.from_contents(schema, default_specification=DRAFT4)
        resources.append((schema["id"], resource))
        # The package schemas of this commit name their siblings under both versions.
        for version in ("1__1__5", "1__2__0"):
            alias = schema["id"].rsplit("/", 2)
            resources.append((f"{alias[0]}/{version}/{alias[2]}", resource))
    registry: Registry = Registry().with_resources(resources)
    schema = json.loads((OCDS / name).read_text())
    return Draft4Validator(schema, registry=registry, format_checker=FormatChecker())


def test_every_ocds_package_validates_against_the_ocds_schema(
    client: Client, divisions: dict[str, Division]
) -> None:
    _world(divisions)
    releases = _ocds_validator("release-package-schema.json")
    records = _ocds_validator("record-package-schema.json")
    packages = [client.get("/open-data/procurement/releases.json").json()]
    for process in Procurement.objects.all():
        packages.append(client.get(f"/open-data/procurement/{process.ocid}/releases.json").json())
        record = client.get(f"/open-data/procurement/{process.ocid}/record.json").json()
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in records.iter_errors(record)]
        assert errors == [], errors[:5]
    for package in packages:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in releases.iter_errors(package)]
        assert errors == [], errors[:5]
    # The schema does bite: a release without its tag, a value without its amount's type.
    broken = json.loads(json.dumps(packages[0]))
    del broken["releases"][0]["tag"]
    broken["releases"][1]["tender"]["value"]["amount"] = "many"
    assert len(list(releases.iter_errors(broken))) == 2
    tags = {tag for release in packages[0]["releases"] for tag in release["tag"]}
    assert tags == {
        "planning",
        "tender",
        "award",
        "contract",
        "contractTermination",
        "tenderCancellation",
    }
