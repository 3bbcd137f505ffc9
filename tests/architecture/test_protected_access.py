"""Views and API handlers never query a protected model directly: they fetch it through their
app's `selectors.access_*` (or another selector that starts from what the person may see),
so that "missing" and "not yours" are the same answer by construction (STYLE.md, rule 4).

A protected model holds someone's personal data or a decision about them. The table below
names each one and why; a new model of that kind is added here when it is built. The check
reads the source (ast): any `<ProtectedModel>.objects` or `._default_manager` in a view or
API module fails, wherever it appears in the module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import onewindow

SOURCE = Path(onewindow.__file__).parent

# model name -> what makes it protected. (The records of who read someone's data are kept by
# identity's one data-access record and read through its selector.)
PROTECTED: dict[str, str] = {
    # identity
    "User": "a person's account: name, ID number, mobile",
    "Business": "a business and its legal representative",
    "BusinessAgent": "a representative's authorisation of an agent",
    "AgentConsent": "a resident's consent to be acted for",
    "ConsentChallenge": "a consent being given, with its code",
    "ClientConsent": "a person's consent to a partner app",
    "ClientUsage": "when a person used a partner app",
    "UserSession": "a person's signed-in sessions",
    "TOTPDevice": "a person's second-factor secret",
    # applications
    "Application": "an applicant's filing and its decision",
    "Step": "a decision step on an application",
    "SupplementRequest": "what an applicant was asked to supply",
    "Draft": "an applicant's unfinished form",
    "Upload": "an applicant's material",
    "Transition": "the decisions taken on an application",
    "FetchedMaterial": "a material fetched about the applicant",
    "DeliveryAddress": "where a person receives their result",
    "Delivery": "a result on its way to a person",
    # grievances
    "Case": "a hotline case, its reporter's words and the answer",
    "Reporter": "a caller's name, number and e-mail",
    "CasePhoto": "a caller's photo",
    "CaseEvent": "what was done on a case",
    "Transfer": "a decision to move a case between departments",
    "MergeProposal": "a decision to merge two callers' cases",
    "DispatcherCorrection": "a dispatcher's decision on a case",
    "Rating": "a caller's rating of the answer",
    "ReviewInvitation": "a person's invitation to review a service",
    "Review": "a person's review",
    "RectificationTask": "a department's task opened by a person's review",
    "Dispute": "a dispute between people",
    "DisputeParty": "a party to a dispute",
    "MediationSession": "what was said in a mediation",
    "FollowUpVisit": "a visit to the parties",
    # alerts
    "AlertDelivery": "an alert as one resident got it, and who told them in person",
    "ResidentPlace": "where a resident's family lives or they work",
    # exchange
    "ProviderRecord": "a department's record about a person or business",
    "ExchangeMessage": "a department's read of someone's data",
    "AccessGrant": "a steward's decision to share data",
    "MisuseReport": "a person's report and its finding",
    "RemoteCall": "a read of someone's data by a peer region",
    "CreditProfile": "a business's credit profile",
    "CreditEntry": "a penalty, licence or commendation on a profile",
    "CreditRepair": "a business's request to repair its credit",
    # credentials
    "Credential": "a person's licence or certificate",
    "CredentialShare": "whom a holder showed their credential",
    # payments
    "Payment": "what a person paid, to whom, for what",
    "Refund": "money given back to a person",
    # appointments
    "Booking": "when and where a person visits a hall, for what",
    # etax
    "TaxReturn": "a person's income, deductions and tax",
    # rural
    "Producer": "a resident's farm, its land and the consent it was registered under",
    "Sale": "a producer's takings",
    # notify
    "Message": "a person's inbox message",
}
MANAGERS = {"objects", "_default_manager"}


def is_view_or_api_module(path: Path) -> bool:
    """views.py and api.py of an app or a sub-domain package, every module of a views/ or api/
    package, and the modules that serve a URL under another name."""
    return (
        path.stem in {"views", "api"}
        or path.parent.name in {"views", "api"}
        or path.relative_to(SOURCE).as_posix() in OTHER_VIEW_MODULES
    )


# Modules that serve URLs without being called views or api (found by walking the URL
# patterns; test_the_view_modules_are_all_scanned keeps this list whole).
OTHER_VIEW_MODULES = {
    "config/api_edge.py",
    "config/urls.py",  # the redirects of moved URL roots
    "grievances/open311.py",
    "transparency/ckan.py",  # the CKAN Action API
    "identity/oidc/clients.py",
}


def view_and_api_modules() -> list[Path]:
    return sorted(
        path
        for path in SOURCE.rglob("*.py")
        if "migrations" not in path.parts and is_view_or_api_module(path)
    )


def direct_queries(source: str, where: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Attribute) and node.attr in MANAGERS):
            continue
        model = node.value
        name = model.id if isinstance(model, ast.Name) else getattr(model, "attr", "")
        if name in PROTECTED:
            found.append(f"{where}:{node.lineno}: {name}.{node.attr}")
    return found


def test_views_and_apis_never_query_a_protected_model_directly() -> None:
    modules = view_and_api_modules()

    found = [
        query
        for path in modules
        for query in direct_queries(
            path.read_text(encoding="utf-8"), path.relative_to(SOURCE).as_posix()
        )
    ]

    assert len(modules) > 20
    assert found == [], "use the app's selectors.access_* instead:\n" + "\n".join(found)


def test_the_check_sees_a_direct_query_however_the_model_is_reached() -> None:
    source = "def leak():\n    return Case.objects.all(), models.Message._default_manager\n"

    found = direct_queries(source, "planted.py")

    assert sorted(found) == ["planted.py:2: Case.objects", "planted.py:2: Message._default_manager"]


def test_the_view_modules_are_all_scanned() -> None:
    from django.urls import URLPattern, URLResolver, get_resolver

    served: set[str] = set()

    def walk(resolver: URLResolver) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry)
            elif isinstance(entry, URLPattern):
                view = getattr(entry.callback, "view_class", entry.callback)
                while hasattr(view, "__wrapped__"):
                    view = view.__wrapped__
                served.add(view.__module__)

    walk(get_resolver())
    scanned = {
        "onewindow." + path.relative_to(SOURCE).with_suffix("").as_posix().replace("/", ".")
        for path in view_and_api_modules()
    }

    missing = sorted(m for m in served if m.startswith("onewindow.") and m not in scanned)

    assert missing == []
