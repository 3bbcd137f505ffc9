"""The parsed workflow of a catalogue service version, parsed once per version per process.

Every transition, reminder, timeline and step name needs the definition of the version the
application was filed under. A version is immutable once published, so its parsed form is
kept here, keyed by the version's primary key and publication time, so a new version (or
a row whose publication time changed) is read afresh. The text is compared as well,
because primary keys come back after a rolled-back transaction on SQLite and an
administrator can still edit a row by hand.
"""

from __future__ import annotations

from datetime import datetime

from onewindow.catalog.models import ServiceItemVersion
from onewindow.catalog.workflow_definition import WorkflowDefinition, parse_workflow

# A few hundred versions are live at once; beyond that the oldest entry makes room.
MAX_CACHED_VERSIONS = 256

_parsed: dict[tuple[int, datetime], tuple[str, WorkflowDefinition]] = {}


def workflow_of(version: ServiceItemVersion) -> WorkflowDefinition:
    """The definition `version` runs. Raises WorkflowDefinitionError for text that does not
    parse (publishing refuses such text, so only a row edited by hand gets here)."""
    key = (version.pk, version.published_at)
    cached = _parsed.get(key)
    if cached is not None and cached[0] == version.workflow:
        return cached[1]
    definition = parse_workflow(version.workflow)
    if key not in _parsed and len(_parsed) >= MAX_CACHED_VERSIONS:
        # Dicts keep insertion order: the first key is the oldest. Another thread may have
        # evicted it already, hence the default.
        _parsed.pop(next(iter(_parsed)), None)
    _parsed[key] = (version.workflow, definition)
    return definition
