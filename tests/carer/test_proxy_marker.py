"""Proxy entries are shown as such: the CSV's entered_by column, the FHIR performer (a
RelatedPerson), and the clinician's review (the days a carer logged)."""

from __future__ import annotations

import csv
import io

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.relatedperson import RelatedPerson

from tests.factories import login


def _world(make, family):
    pat, anna = family["pat"], family["anna"]
    own = make.entry(pat, make.days_ago(2), 3, entered_by_id=pat.id)
    proxy = make.entry(pat, make.days_ago(1), 8, entered_by_id=anna.id)
    imported = make.entry(pat, make.days_ago(3), 4, imported=True, import_key="at:x")
    return own, proxy, imported


def test_the_csv_says_who_entered_each_row(client, make, family):
    own, proxy, imported = _world(make, family)
    login(client, family["cal"])
    text = client.get(f"/api/v1/patients/{family['pat'].id}/export.csv").text
    rows = {row["entry_id"]: row["entered_by"] for row in csv.DictReader(io.StringIO(text))}
    assert rows == {
        str(own.id): "patient",
        str(proxy.id): "carer: Anna",
        str(imported.id): "import",
    }


def test_the_csv_with_the_new_column_imports_back(client, make, family):
    """The importer reads the export's columns: entered_by is known (and not imported: the
    entries an import adds are the clinic's import)."""
    _world(make, family)
    login(client, family["cal"])
    pat = family["pat"]
    text = client.get(f"/api/v1/patients/{pat.id}/export.csv").text
    other = make.patient()
    make.link(family["cal"], other)
    token = login(client, family["cal"])
    response = client.post(
        f"/api/v1/patients/{other.id}/imports/entries",
        json={"csv": text, "all_or_nothing": False},
        headers={"X-CSRFToken": token},
    )
    report = response.get_json()
    assert response.status_code == 200, report
    assert report["stored"] >= 2
    assert all(problem["column"] != "entered_by" for problem in report["rejected"]), report


def test_fhir_names_a_related_person_as_performer_of_proxy_entries(client, make, family):
    own, proxy, _ = _world(make, family)
    pat = family["pat"]
    login(client, pat)
    bundle = client.get("/api/v1/me/fhir").get_json()
    Bundle.model_validate(bundle)
    resources = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    [related] = [r for r in resources.values() if r["resourceType"] == "RelatedPerson"]
    RelatedPerson.model_validate(related)
    assert related["name"] == [{"text": "Anna"}]
    assert related["relationship"][0]["coding"][0]["code"] == "CGV"
    patient_url = next(u for u, r in resources.items() if r["resourceType"] == "Patient")
    assert related["patient"]["reference"] == patient_url
    observations = {r["id"]: r for r in resources.values() if r["resourceType"] == "Observation"}
    proxy_performer = observations[str(proxy.id)]["performer"][0]
    assert resources[proxy_performer["reference"]] is related
    assert proxy_performer["display"] == "Anna (carer)"
    assert observations[str(proxy.id)]["subject"]["reference"] == patient_url
    assert observations[str(own.id)]["performer"][0]["reference"] == patient_url


def test_a_bundle_without_proxy_entries_has_no_related_person(client, make):
    pat = make.patient()
    make.entry(pat, make.days_ago(1), 5, entered_by_id=pat.id)
    login(client, pat)
    bundle = client.get("/api/v1/me/fhir").get_json()
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient", "Observation"]


def test_the_review_lists_the_days_a_carer_logged(client, make, family):
    _world(make, family)
    pat = family["pat"]
    make.entry(pat, make.days_ago(1), 6, entered_by_id=family["anna"].id)
    login(client, family["cal"])
    page = client.get(f"/clinic/patients/{pat.id}").text
    assert "1 day in this period had entries logged by someone else" in page
    table = page[page.index('id="proxy-days"') :]
    table = table[: table.index("</table>")]
    assert "<td>2</td>" in table  # both of that day's entries
    assert "Anna (carer)" in table and "Proxy" in table
    assert make.days_ago(1).strftime("%-d %b %Y") in table
    assert make.days_ago(2).strftime("%-d %b %Y") not in table  # the patient's own day


def test_the_review_says_when_every_entry_is_the_patients(client, make):
    cal, pat = make.clinician(), make.patient()
    make.link(cal, pat)
    make.entry(pat, make.days_ago(1), 5, entered_by_id=pat.id)
    login(client, cal)
    page = client.get(f"/clinic/patients/{pat.id}").text
    assert "Every entry in this period was logged by the patient." in page
    assert 'id="proxy-days"' not in page


def test_the_printed_report_lists_the_days_a_carer_logged(client, make, family):
    """Pat's own entry 2 days back, Anna's (carer) yesterday: the printed pre-visit summary
    names yesterday as logged by Anna, with a Proxy mark, under an h2 like its other sections;
    Pat's own day is not listed."""
    _world(make, family)
    pat = family["pat"]
    login(client, family["cal"])
    page = client.get(f"/clinic/patients/{pat.id}/report").text
    assert '<h2 id="proxy-title">Logged by a parent or carer</h2>' in page
    assert "1 day in this period had entries logged by someone else" in page
    table = page[page.index('id="proxy-days"') :]
    table = table[: table.index("</table>")]
    assert "Anna (carer)" in table and "Proxy" in table
    assert make.days_ago(1).strftime("%-d %b %Y") in table
    assert make.days_ago(2).strftime("%-d %b %Y") not in table
