"""The review's body map: regions shaded by the share of diary days they were reported in the
range, one small map per calendar quarter, a table with the same numbers; one query."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from diary.extensions import db
from diary.models import User
from diary.services.review import body_map as review_body_map
from diary.services.review.body_map import LEVEL_FILLS
from tests.factories import login


def _fill(html: str, region: str) -> set[str]:
    """The fills of the main map's shapes of `region` (both views)."""
    main = html.split('id="bodymap-quarters-title"')[0]
    return set(re.findall(rf'data-region="{region}"[^>]*? fill="(#[0-9a-f]+)"', main))


def test_review_shades_regions_by_the_share_of_diary_days(app, make, client):
    """Range 30 days, patient in UTC. Diary days: today-4 (right foot, written late: today),
    today-3 (no body site), today-2 (right foot twice: two entries), today-1 (right and left
    foot): 4 diary days. Right foot 3 of 4 = 75 % (darkest), left foot 1 of 4 = 25 % (level 2).
    A deleted entry (left hand, today-5) and another patient's entry (left hand) count for
    nothing: the left hand stays unshaded and is not in the table."""
    clinician, patient, other = make.clinician(), make.patient(timezone="UTC"), make.patient()
    make.link(clinician, patient)
    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    make.entry(patient, today - timedelta(days=4), body_sites=["right_foot"], recorded_at=now)
    make.entry(patient, today - timedelta(days=3))
    make.entry(patient, today - timedelta(days=2), body_sites=["right_foot"])
    make.entry(patient, today - timedelta(days=2), body_sites=["right_foot"])
    make.entry(patient, today - timedelta(days=1), body_sites=["right_foot", "left_foot"])
    make.entry(patient, today - timedelta(days=5), body_sites=["left_hand"], deleted_at=now)
    make.entry(other, today - timedelta(days=1), body_sites=["left_hand"])
    login(client, clinician)
    html = client.get(f"/clinic/patients/{patient.id}?range=30").get_data(as_text=True)

    assert 'id="body-map"' in html and "Body map: where pain was reported" in html
    assert "share of diary days" in html  # the definition next to the map
    assert _fill(html, "right_foot") == {LEVEL_FILLS[4]}
    assert _fill(html, "left_foot") == {LEVEL_FILLS[2]}
    assert _fill(html, "left_hand") == {LEVEL_FILLS[0]}
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', html))
    assert rows["Right foot"] == "3 of 4 (75%)"
    assert rows["Left foot"] == "1 of 4 (25%)"
    assert "Left hand" not in rows
    assert 'aria-label="Front view, 4 diary days; Left foot 1, Right foot 3"' in html
    # the legend: five shades with their meaning
    assert html.count('<rect x="1" y="1" width="14" height="14"') == 5
    assert "75% or more" in html and "Not reported" in html


def test_small_multiples_per_quarter_and_one_query(app, make, count_queries):
    """1 March to 30 April 2026: the right hand on 30 March (Q1), then the right and the left
    hand on 2 April (Q2): the spread to the other hand appears in Q2 only. One query."""
    patient = make.patient(timezone="UTC")
    make.entry(patient, date(2026, 3, 30), body_sites=["right_hand"])
    make.entry(patient, date(2026, 4, 2), body_sites=["left_palm", "right_hand"])
    make.entry(patient, date(2026, 5, 1), body_sites=["left_knee"])  # after the range
    with app.app_context():
        user = db.session.get(User, patient.id)
        with count_queries() as counter:
            result = review_body_map.body_map(user, date(2026, 3, 1), date(2026, 4, 30))
    assert counter.count == 1
    assert [q.label for q in result.quarters] == ["Q1 2026", "Q2 2026"]
    q1, q2 = (q.counts for q in result.quarters)
    assert (q1.start, q1.end, q1.diary_days, dict(q1.days)) == (
        date(2026, 3, 1),
        date(2026, 3, 31),
        1,
        {"right_hand": 1},
    )
    assert (q2.start, q2.end, q2.diary_days, dict(q2.days)) == (
        date(2026, 4, 1),
        date(2026, 4, 30),
        1,
        {"right_hand": 1, "left_hand": 1},
    )
    assert [r.key for r in result.regions] == ["left_hand", "right_hand"]
    assert result.fills(q1)["left_hand"] == LEVEL_FILLS[0]
    assert result.fills(q2)["left_hand"] == LEVEL_FILLS[4]


def test_review_page_draws_one_small_map_per_quarter(app, make, client):
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    make.entry(patient, datetime.now(UTC).date(), body_sites=["left_knee"])
    login(client, clinician)
    html = client.get(f"/clinic/patients/{patient.id}?range=365").get_data(as_text=True)
    quarters = re.findall(r'<figure class="bodymap-review__quarter">', html)
    assert 4 <= len(quarters) <= 5  # 365 days meet four or five calendar quarters
    assert html.count("bodymap__svg--small") == len(quarters)


def test_a_long_range_draws_the_last_eight_quarters_and_tables_them_all(app, make, client):
    """Entries today and 3 years ago (1,096 days), range=all: the range meets 13 calendar
    quarters (12 or 13 by the day of the year; at least 12). The page draws only the last 8
    small maps and says so, while the table keeps a column for every quarter."""
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    today = datetime.now(UTC).date()
    make.entry(patient, today - timedelta(days=1096), body_sites=["left_knee"])
    make.entry(patient, today, body_sites=["left_knee"])
    login(client, clinician)
    html = client.get(f"/clinic/patients/{patient.id}?range=all").get_data(as_text=True)
    assert len(re.findall(r'<figure class="bodymap-review__quarter">', html)) == 8
    table_head = html.split('id="bodymap-table"')[1].split("</thead>")[0]
    quarters = len(re.findall(r'<th scope="col">Q[1-4] \d{4}</th>', table_head))
    assert quarters >= 12
    assert f"The last 8 quarters are drawn; all {quarters} are in the table below." in html


def test_review_without_entries_says_so(make, client):
    clinician, patient = make.clinician(), make.patient()
    make.link(clinician, patient)
    login(client, clinician)
    html = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    assert "No diary entries in this range." in html


def test_the_kept_map_follows_every_change_to_the_diary(app, make, client, count_queries):
    """The map is kept with the review (no query while current) and a new or deleted entry
    shows at once: 1 diary day with the left knee, then 2 after a new entry, then 1 again."""
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    today = datetime.now(UTC).date()
    make.entry(patient, today, body_sites=["left_knee"])
    login(client, clinician)
    url = f"/clinic/patients/{patient.id}?range=30"

    def knee() -> str:
        html = client.get(url).get_data(as_text=True)
        return dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', html))["Left knee"]

    assert knee() == "1 of 1 (100%)"
    with count_queries() as counter:
        assert knee() == "1 of 1 (100%)"
    assert not any("CAST(entries.body_sites" in s for s in counter.statements)
    second = make.entry(patient, today - timedelta(days=1), body_sites=["left_knee"])
    assert knee() == "2 of 2 (100%)"
    token = login(client, patient)
    assert (
        client.delete(f"/api/v1/entries/{second.id}", headers={"X-CSRFToken": token}).status_code
        == 204
    )
    login(client, clinician)
    assert knee() == "1 of 1 (100%)"


def test_filled_maps_are_the_markup_the_figure_macro_drew(app):
    """body_map.filled_svg writes what templates/_body_map.html's figure macro draws with
    `fills` (the review's maps), labelled or not, full size and small; text escaped."""
    from diary import body_map
    from diary.codes import BODY_MAP_REGIONS

    fills = {r.key: f"#{i:06x}" for i, r in enumerate(BODY_MAP_REGIONS)}
    macro = app.jinja_env.from_string(
        '{% import "_body_map.html" as bm with context %}'
        "{{ bm.figure(view, fills=fills, label=label, small=small) }}"
    )
    with app.test_request_context():
        for view, _ in body_map.VIEWS:
            for label in ("Front view, 3 diary days; Left <hand> & 2", None):
                for small in (False, True):
                    expected = macro.render(view=view, fills=fills, label=label, small=small)
                    assert str(body_map.filled_svg(view, fills, label, small)) == expected


def test_the_map_from_the_loaded_days_is_the_map_from_the_entries(app, make, count_queries):
    """The review counts its map from the days it has loaded (body_map_of_days, no query): the
    same whole-range and quarter counts as the query over the entries, with two entries on a
    day (their sites' union), an entry without sites, a deleted entry, an entry after the range
    and a day whose sites were read before."""
    from diary.services import daily_sql

    patient = make.patient(timezone="UTC")
    make.entry(patient, date(2026, 3, 30), body_sites=["right_hand"])
    make.entry(patient, date(2026, 3, 30), body_sites=["right_wrist", "left_foot"])
    make.entry(patient, date(2026, 3, 31))
    make.entry(patient, date(2026, 4, 2), body_sites=["left_palm", "right_hand"])
    make.entry(patient, date(2026, 4, 3), body_sites=["left_knee"], deleted_at=datetime.now(UTC))
    make.entry(patient, date(2026, 5, 1), body_sites=["left_knee"])  # after the range
    start, end = date(2026, 3, 1), date(2026, 4, 30)
    with app.app_context():
        user = db.session.get(User, patient.id)
        days = daily_sql.day_aggregates(user.id, user.timezone)
        assert days[date(2026, 4, 2)]["body_sites"] == {"left_palm", "right_hand"}  # parsed
        expected = review_body_map.body_map(user, start, end)
        with count_queries() as counter:
            found = review_body_map.body_map_of_days(days, start, end)
    assert counter.count == 0
    assert found == expected
    assert (found.whole.diary_days, found.whole.count("right_hand")) == (3, 2)


def test_the_cached_review_page_keeps_the_map_as_html_only(app, make, client):
    from diary.services import review_cache

    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    make.entry(patient, datetime.now(UTC).date(), body_sites=["left_knee"])
    login(client, clinician)
    assert "Left knee" in client.get(f"/clinic/patients/{patient.id}?range=30").text
    with app.test_request_context():
        page = review_cache.review_page(db.session.get(User, patient.id), "30", render=dict)
    assert page.body_map is None and 'id="body-map"' in page.html["body_map"]


def test_the_printed_report_has_the_body_map_of_its_period(app, make, client):
    """No infusion: the report's period is the last 30 days (key_figures). Diary days: today-2
    (right foot) and today-1 (right foot, left hand): right foot 2 of 2 (100%, darkest), left
    hand 1 of 2 (50%, level 3). An entry 40 days back (left foot) is before the period and not
    counted. The report's sections are h2, so the map's heading is h2 and its quarters' h3."""
    clinician, patient = make.clinician(), make.patient(timezone="UTC")
    make.link(clinician, patient)
    today = datetime.now(UTC).date()
    make.entry(patient, today - timedelta(days=2), body_sites=["right_foot"])
    make.entry(patient, today - timedelta(days=1), body_sites=["right_foot", "left_hand"])
    make.entry(patient, today - timedelta(days=40), body_sites=["left_foot"])
    login(client, clinician)
    html = client.get(f"/clinic/patients/{patient.id}/report").get_data(as_text=True)

    assert '<h2 id="bodymap-title">Body map: where pain was reported</h2>' in html
    assert '<h3 id="bodymap-quarters-title">' in html
    assert _fill(html, "right_foot") == {LEVEL_FILLS[4]}
    assert _fill(html, "left_hand") == {LEVEL_FILLS[3]}
    assert _fill(html, "left_foot") == {LEVEL_FILLS[0]}
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', html))
    assert rows["Right foot"] == "2 of 2 (100%)"
    assert rows["Left hand"] == "1 of 2 (50%)"
    assert "Left foot" not in rows
