"""Every measure of the registry reaches every place derived from it.

For each measure in diary.measures.MEASURES: the patient form has a control for it and reads it
back into the stored entry; the API's schemas have the field; the CSV has its column with the
value; the FHIR export of an entry carrying a value for it has the Observation (or the
component or note) that carries that value; the series the analysis reads has it, and the day's
aggregate combines it; the page gives the form's script the measure. A measure left out of any
of these places fails here, naming the measure and the place.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from diary import analysis, measures
from diary.api.schemas import EntryContentSchema, EntryCreateSchema, EntryOutSchema
from diary.extensions import db
from diary.measures import Kind, Measure
from diary.models import Entry
from diary.services import series
from tests.factories import login

CODES = [m.code for m in measures.MEASURES]


def sample(m: Measure) -> Any:
    """A value of this measure that is not its empty value (as stored)."""
    if m.kind is Kind.SCALE:
        return int(m.maximum) - 1
    if m.kind is Kind.DECIMAL:
        return 7.5
    if m.kind is Kind.CODES:
        return [m.form_options[-1].code]
    if m.kind is Kind.LINES:
        return ["first line", "second line"]
    if m.kind is Kind.SEVERITIES:
        return {m.form_options[0].code: int(m.maximum) - 1}
    return f"text for {m.code}"


def form_fields(m: Measure, value: Any) -> dict[str, Any]:
    """The value as the HTML form posts it."""
    if m.kind is Kind.SEVERITIES:
        return {measures.SEVERITY_PREFIX + k: str(v) for k, v in value.items()}
    if m.kind is Kind.LINES:
        return {m.code: "\r\n".join(value)}
    if m.kind is Kind.CODES:
        return {m.code: value}
    return {m.code: str(value)}


class _Controls(HTMLParser):
    """Names of the form controls, and the JSON data blocks by id."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.json_blocks: dict[str, str] = {}
        self._json_id: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "textarea", "select") and attrs.get("name"):
            self.names.add(attrs["name"])
        if tag == "script" and attrs.get("type") == "application/json":
            self._json_id = attrs.get("id")

    def handle_data(self, data):
        if self._json_id:
            self.json_blocks[self._json_id] = data
            self._json_id = None


def _token(client) -> str:
    html = client.get("/diary").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html)[1]


@pytest.fixture
def patient_with_everything(app, client, make):
    """A patient who saved one entry through the HTML form with a value for every measure."""
    patient = make.patient(timezone="UTC")
    login(client, patient)
    form = {"csrf_token": _token(client), "day": make.days_ago(1).isoformat()}
    for m in measures.MEASURES:
        form |= form_fields(m, sample(m))
    assert client.post("/diary", data=form).status_code == 302
    return patient


def test_the_form_has_a_control_for_every_measure_and_the_script_gets_them(client, make):
    login(client, make.patient())
    page = _Controls()
    page.feed(client.get("/diary").get_data(as_text=True))
    missing = []
    for m in measures.MEASURES:
        if m.kind is Kind.SEVERITIES:
            wanted = {measures.SEVERITY_PREFIX + o.code for o in m.form_options}
        else:
            wanted = {m.code}
        if not wanted <= page.names:
            missing.append(m.code)
    assert not missing, f"no form control for: {missing}"
    config = json.loads(page.json_blocks["entry-config"])
    assert [f["code"] for f in config["fields"]] == CODES
    assert {f["code"]: f["kind"] for f in config["fields"]} == {
        m.code: str(m.kind) for m in measures.MEASURES
    }


def test_the_form_stores_every_measure(app, patient_with_everything):
    with app.app_context():
        [entry] = db.session.scalars(select(Entry)).all()
        stored = {m.code: m.of(entry) for m in measures.MEASURES}
    assert stored == {m.code: sample(m) for m in measures.MEASURES}


def test_the_api_schemas_have_every_measure():
    for schema in (EntryContentSchema(), EntryCreateSchema(), EntryOutSchema()):
        missing = [code for code in CODES if code not in schema.fields]
        assert not missing, f"{type(schema).__name__} has no field for: {missing}"
    loaded = EntryCreateSchema().load({m.code: sample(m) for m in measures.MEASURES})
    assert loaded == {m.code: sample(m) for m in measures.MEASURES}


def test_the_api_returns_every_measure(client, patient_with_everything):
    [entry] = client.get("/api/v1/entries").get_json()
    assert {code: entry.get(code) for code in CODES} == {
        m.code: sample(m) for m in measures.MEASURES
    }


def test_the_csv_has_a_column_with_the_value_of_every_measure(client, patient_with_everything):
    response = client.get("/api/v1/me/export.csv")
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    missing = [m.csv_column for m in measures.MEASURES if m.csv_column not in row]
    assert not missing, f"no CSV column for: {missing}"
    for m in measures.MEASURES:
        assert row[m.csv_column] == str(m.csv_text(sample(m))), m.code


def _carries(m: Measure, components: list[dict], value: Any) -> bool:
    """Whether the entry's components carry the measure's value."""
    mine = [c for c in components if c["code"]["coding"][0]["code"] == m.fhir.code]
    if m.kind is Kind.SCALE:
        return [c.get("valueInteger") for c in mine] == [value]
    if m.kind is Kind.DECIMAL:
        return [c.get("valueQuantity", {}).get("value") for c in mine] == [value]
    if m.kind is Kind.TEXT:
        return value in [c.get("valueString") for c in components]
    if m.kind is Kind.SEVERITIES:
        found = {c["code"]["coding"][0]["code"]: c.get("valueInteger") for c in components}
        return all(found.get(k) == v for k, v in value.items())
    if m.fhir.component is None:  # each code its own component
        coded = {c["code"]["coding"][0]["code"] for c in components if c.get("valueBoolean")}
        return set(value) <= coded
    mine = [c for c in components if c["code"]["coding"][0]["code"] == m.fhir.component[0]]
    if m.kind is Kind.LINES:
        return [c.get("valueString") for c in mine] == value
    coded = {c["valueCodeableConcept"]["coding"][-1]["code"] for c in mine}
    return set(value) <= coded


def test_the_fhir_export_has_every_measure(client, patient_with_everything):
    """The entry is one Observation; each measure is a component of it (or its note)."""
    document = client.get("/api/v1/me/fhir").get_json()
    Bundle.model_validate(document)
    [observation] = [
        r for e in document["entry"] if (r := e["resource"])["resourceType"] == "Observation"
    ]
    [entry] = client.get("/api/v1/entries").get_json()
    assert observation["id"] == entry["id"]
    components = observation["component"]
    for m in measures.MEASURES:
        value = sample(m)
        if m.fhir.note_on == measures.PAIN.code:
            assert value in [n["text"] for n in observation.get("note", [])], m.code
        else:
            assert _carries(m, components, value), f"the FHIR Observation misses {m.code}"


def test_the_series_and_the_day_have_every_measure(app, patient_with_everything):
    with app.app_context():
        [reading] = series.readings(patient_with_everything.id)
    assert reading.values == {m.code: m.plain(sample(m)) for m in measures.MEASURES}
    [day] = analysis.daily_aggregates([reading]).values()
    for m in measures.MEASURES:
        assert day[m.code] not in (None, (), frozenset(), {}), f"the day lost {m.code}"
