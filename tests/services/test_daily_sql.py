"""The review's days as services/daily_sql.py reads them (one query of the entries, a day of
several combined by the rules), and the database's weekly and per-code grouping, equal the
analysis's own, on a hand-made diary with entries in several time zones, late entries and a
deleted one.

Patient's zone America/Los_Angeles (entries without a zone are judged in it). Entries (pain,
zone, recorded at, UTC):

- 7 Mar 2026: pain 3 in Pacific/Kiritimati (+14) recorded 8 Mar 09:30 (local 8 Mar 23:30: on
  time, 33.5 h after the day began in UTC); pain 4 in Kiritimati recorded 8 Mar 10:30 (local
  9 Mar 00:30: late). Mean 3.5; one late of two, so the day is not late.
- 8 Mar 2026 (US summer time starts): pain 6 with no zone (Los Angeles, -7 by then) recorded
  10 Mar 06:59 (local 9 Mar 23:59: on time); pain 8 in Etc/GMT+12 (-12) recorded 10 Mar 11:59
  (local 9 Mar 23:59: on time). Mean 7.0, nothing late.
- 9 Mar 2026: pain 2 in Europe/London recorded 11 Mar 00:00 (local 11 Mar: late); pain 5 in
  Asia/Tokyo recorded 12 Mar 00:00 (late). Mean 3.5, both late: a late day.
- 10 Mar 2026: pain 1 recorded that day; and a deleted entry of pain 10 (not counted).
"""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta

import pytest

from diary import analysis, charts_svg
from diary.codes import BODY_SITES, label
from diary.services import daily_sql, daily_sql_grouped, loaded_days, series


def _at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def diary(app, make):
    patient = make.patient(timezone="America/Los_Angeles")
    rows = [
        (
            date(2026, 3, 7),
            3,
            "Pacific/Kiritimati",
            _at(2026, 3, 8, 9, 30),
            {
                "pain_worst": 7,
                "pain_least": 2,
                "sleep_hours": 6.5,
                "sleep_quality": 4,
                "symptoms": ["burning"],
                "body_sites": ["right_hand"],
                "side_effects": {"nausea": 1},
                "medications": ["paracetamol"],
                "note": "second written",
                "peg_enjoyment": 5,
                "peg_activity": 6,
            },
        ),
        (
            date(2026, 3, 7),
            4,
            "Pacific/Kiritimati",
            _at(2026, 3, 8, 10, 30),
            {
                "pain_least": 1,
                "sleep_hours": 7.0,
                "symptoms": ["burning", "swelling"],
                "side_effects": {"nausea": 3, "dizziness": 2},
                "note": "   ",
                "body_site_other": "left ear",
                "peg_enjoyment": 8,
            },
        ),
        (date(2026, 3, 8), 6, None, _at(2026, 3, 10, 6, 59), {"note": "no zone"}),
        (date(2026, 3, 8), 8, "Etc/GMT+12", _at(2026, 3, 10, 11, 59), {"mood": 3}),
        (date(2026, 3, 9), 2, "Europe/London", _at(2026, 3, 11, 0, 0), {"pain_average": 4}),
        (date(2026, 3, 9), 5, "Asia/Tokyo", _at(2026, 3, 12, 0, 0), {"pain_average": 5}),
        (date(2026, 3, 10), 1, "Europe/London", _at(2026, 3, 10, 20, 0), {}),
    ]
    for day, pain, zone, at, more in rows:
        make.entry(patient, day=day, pain=pain, timezone=zone, recorded_at=at, **more)
    # Written first but recorded earlier: its note comes first on 7 Mar.
    make.entry(
        patient,
        day=date(2026, 3, 7),
        pain=3,
        timezone="UTC",
        recorded_at=_at(2026, 3, 7, 8),
        note="first written",
    )
    make.entry(
        patient,
        day=date(2026, 3, 10),
        pain=10,
        timezone="UTC",
        recorded_at=_at(2026, 3, 10, 8),
        deleted_at=_at(2026, 3, 10, 9),
    )
    return patient


def test_sql_daily_aggregates_equal_the_analysis(app, diary):
    with app.app_context():
        expected = analysis.daily_aggregates(series.readings(diary.id, default_zone=diary.timezone))
        found = daily_sql.day_aggregates(diary.id, diary.timezone)
    assert list(found) == list(expected)
    for day, agg in expected.items():
        assert (found[day].entries, found[day].late_entries) == (agg.entries, agg.late_entries)
        assert dict(found[day].values) == dict(agg.values), day
    assert found == expected
    with app.app_context():
        days, pain = daily_sql.days_and_pain(diary.id, diary.timezone)
    assert days == found
    assert pain == analysis.daily_pain(expected) and list(pain) == list(expected)


def test_sql_daily_aggregates_by_hand(app, diary):
    with app.app_context():
        found = daily_sql.day_aggregates(diary.id, diary.timezone)
    assert [found[d]["pain"] for d in found] == [10 / 3, 7.0, 3.5, 1.0]
    assert [found[d].late for d in found] == [False, False, True, False]
    assert [found[d].late_entries for d in found] == [1, 0, 2, 0]
    first = found[date(2026, 3, 7)]
    assert first.notes == ("first written", "second written")
    assert first["symptoms"] == frozenset({"burning", "swelling"})
    assert first["side_effects"] == {"nausea": 3, "dizziness": 2}
    assert first["pain_worst"] == 7 and first["pain_least"] == 1
    assert first["sleep_hours"] == 6.75
    assert first["peg_enjoyment"] == 6.5
    assert first["body_site_other"] == ("left ear",)
    assert found[date(2026, 3, 8)].notes == ("no zone",)
    assert found[date(2026, 3, 10)].entries == 1  # the deleted entry is not counted


def test_sql_daily_aggregates_of_a_range(app, diary):
    with app.app_context():
        found = daily_sql.day_aggregates(
            diary.id, diary.timezone, start=date(2026, 3, 8), end=date(2026, 3, 9)
        )
    assert list(found) == [date(2026, 3, 8), date(2026, 3, 9)]
    assert found[date(2026, 3, 9)].late


def test_packed_days_give_back_every_value_of_every_day(app, make, diary):
    """The days as a shared kept history stores them (daily_sql.packed_days, pickled, then
    unpacked_days: services/review/history.py) are the days days_and_pain read, whatever the
    database gives for a row's day and recorded_at: every measure of every day, the entries
    and late entries, the daily pain, in day order. Besides the diary above, 11 Mar: one
    entry, pain 4, with a note ("alone") and burning; on time. So the notes come back in both
    of a row's forms: one entry's (11 Mar) and several entries' joined (7 and 8 Mar)."""
    make.entry(
        diary,
        day=date(2026, 3, 11),
        pain=4,
        timezone="UTC",
        recorded_at=_at(2026, 3, 11, 9),
        note="alone",
        symptoms=["burning"],
    )
    with app.app_context():
        days, pain = daily_sql.days_and_pain(diary.id, diary.timezone)
    stored = pickle.loads(pickle.dumps(daily_sql.packed_days(days)))
    back, back_pain = daily_sql.unpacked_days(stored)
    assert list(back) == list(days) == [date(2026, 3, d) for d in (7, 8, 9, 10, 11)]
    for day, agg in days.items():
        assert dict(back[day].values) == dict(agg.values), day
        assert (back[day].entries, back[day].late_entries) == (agg.entries, agg.late_entries)
    assert back_pain == pain and list(back_pain) == list(pain)
    # by hand, as test_sql_daily_aggregates_by_hand has them, and the new day
    assert [back_pain[d] for d in back_pain] == [10 / 3, 7.0, 3.5, 1.0, 4.0]
    assert back[date(2026, 3, 7)].notes == ("first written", "second written")
    assert back[date(2026, 3, 8)].notes == ("no zone",)
    assert back[date(2026, 3, 11)].notes == ("alone",)
    assert back[date(2026, 3, 11)]["symptoms"] == frozenset({"burning"})
    assert [back[d].late for d in back] == [False, False, True, False, False]


def test_sql_weekly_means(app, make):
    """Week of Mon 2 Mar 2026: daily pain 2, 4 (two entries: 3 and 5), 6, 8 on four days: mean
    5.0; worst pain 9 on one day only: a mean of one day is a gap (None). Week of 9 Mar: three
    days of pain 1: too few days (3 of the 4 needed), None. Symptoms: the week's union."""
    patient = make.patient(timezone="UTC")
    at = _at(2026, 3, 1)
    for day, pain, more in (
        (date(2026, 3, 2), 2, {"pain_worst": 9, "symptoms": ["burning"]}),
        (date(2026, 3, 3), 3, {}),
        (date(2026, 3, 3), 5, {"symptoms": ["swelling"]}),
        (date(2026, 3, 5), 6, {}),
        (date(2026, 3, 8), 8, {}),
        (date(2026, 3, 9), 1, {}),
        (date(2026, 3, 10), 1, {}),
        (date(2026, 3, 11), 1, {}),
    ):
        make.entry(patient, day=day, pain=pain, recorded_at=at, timezone="UTC", **more)
    with app.app_context():
        weeks = daily_sql_grouped.weekly_means(
            patient.id, ["pain", "pain_worst", "symptoms"], date(2026, 3, 1), date(2026, 3, 15)
        )
    assert list(weeks) == [date(2026, 3, 2), date(2026, 3, 9)]
    assert weeks[date(2026, 3, 2)] == {
        "pain": 5.0,
        "pain_worst": None,
        "symptoms": frozenset({"burning", "swelling"}),
    }
    assert weeks[date(2026, 3, 9)] == {"pain": None, "pain_worst": None, "symptoms": frozenset()}


def test_sql_weekly_means_equal_the_analysis(app, make, diary):
    """The module's diary: the week of Mon 2 Mar has 7 Mar (pain 10/3) and 8 Mar (7.0): two
    days, a gap; the week of 9 Mar has 9 and 10 Mar: a gap too. Three more weeks (16 Mar to
    5 Apr) of entries on 5 days of 7, some days twice: the database and
    analysis.weekly_values agree on every week."""
    for i in range(21):
        if i % 7 in (2, 5):
            continue
        day = date(2026, 3, 16) + timedelta(days=i)
        for k in range(1 + i % 2):
            make.entry(
                diary,
                day=day,
                pain=(i * 3 + k) % 11,
                pain_worst=10 - k,
                sleep_hours=5.5 + k,
                peg_enjoyment=(i + k) % 11,
                symptoms=["burning"] if i % 3 else ["swelling"],
                timezone="UTC",
                recorded_at=datetime.combine(day, datetime.min.time(), UTC),
            )
    codes = ["pain", "pain_worst", "symptoms", "sleep_hours", "peg_enjoyment"]
    with app.app_context():
        expected = analysis.weekly_values(
            analysis.daily_aggregates(series.readings(diary.id, default_zone=diary.timezone)),
            codes,
            date(2026, 3, 1),
            date(2026, 4, 30),
        )
        found = daily_sql_grouped.weekly_means(diary.id, codes, date(2026, 3, 1), date(2026, 4, 30))
    assert (
        list(found)
        == list(expected)
        == [
            date(2026, 3, 2),
            date(2026, 3, 9),
            date(2026, 3, 16),
            date(2026, 3, 23),
            date(2026, 3, 30),
        ]
    )
    for week, values in expected.items():
        assert found[week] == values, week
    assert found[date(2026, 3, 2)]["pain"] is None
    # the review's charts group the days it has loaded (no query): the same weeks, with days
    # whose symptoms were already read (parsed) among them
    with app.app_context():
        days = daily_sql.day_aggregates(diary.id, diary.timezone)
    assert days[date(2026, 3, 17)]["symptoms"] == frozenset({"burning"})
    grouped = loaded_days.weekly_means_of_days(days, codes, date(2026, 3, 1), date(2026, 4, 30))
    assert grouped == found and list(grouped) == list(found)
    inner = loaded_days.weekly_means_of_days(days, codes, date(2026, 3, 18), date(2026, 4, 1))
    with app.app_context():
        assert inner == daily_sql_grouped.weekly_means(
            diary.id, codes, date(2026, 3, 18), date(2026, 4, 1)
        )
    assert found[date(2026, 3, 16)]["pain_worst"] is not None


def test_sql_days_per_body_site_count_each_day_once(app, make, diary):
    """The module's diary has right_hand on 7 Mar (first entry). Add left_foot and right_hand on
    11 Mar in two entries each (right_hand in both: one day), and left_foot on 12 Mar: right_hand
    2 days, left_foot 2 days; counted from 8 Mar, right_hand 1 day. The chart's own count from
    the daily aggregates agrees."""
    at = _at(2026, 3, 12, 20)
    for day, sites in (
        (date(2026, 3, 11), ["right_hand", "left_foot"]),
        (date(2026, 3, 11), ["right_hand"]),
        (date(2026, 3, 12), ["left_foot"]),
    ):
        make.entry(diary, day=day, pain=4, body_sites=sites, timezone="UTC", recorded_at=at)
    with app.app_context():
        counts = daily_sql_grouped.days_per_code(
            diary.id, "body_sites", date(2026, 3, 1), date(2026, 3, 31)
        )
        later = daily_sql_grouped.days_per_code(
            diary.id, "body_sites", date(2026, 3, 8), date(2026, 3, 31)
        )
        aggregates = analysis.daily_aggregates(series.readings(diary.id, default_zone="UTC"))
    assert counts == {"right_hand": 2, "left_foot": 2}
    assert later == {"right_hand": 1, "left_foot": 2}
    by_day: dict[str, int] = {}  # the same count made in Python from the day aggregates
    for aggregate in aggregates.values():
        for site in aggregate["body_sites"]:
            by_day[site] = by_day.get(site, 0) + 1
    assert by_day == counts
    bars = charts_svg.body_site_chart(counts).panels[0]  # the review's bars show them
    assert {(t.label, b.value) for t, b in zip(bars.y_ticks, bars.rects, strict=True)} == {
        (label(BODY_SITES, code), days) for code, days in counts.items()
    }
    # the review's charts count them from the days it has loaded (no query): the same counts,
    # with a day whose sites were already read (parsed) among them
    with app.app_context():
        days = daily_sql.day_aggregates(diary.id, "UTC")
    assert days[date(2026, 3, 11)]["body_sites"] == {"right_hand", "left_foot"}  # read: parsed
    grouped = loaded_days.days_per_code_of_days(
        days, "body_sites", date(2026, 3, 1), date(2026, 3, 31)
    )
    assert grouped == counts
    assert (
        loaded_days.days_per_code_of_days(days, "body_sites", date(2026, 3, 8), date(2026, 4, 1))
        == later
    )
    with pytest.raises(ValueError):
        loaded_days.days_per_code_of_days(days, "pain", date(2026, 3, 1), date(2026, 3, 31))
    with pytest.raises(ValueError):
        daily_sql_grouped.days_per_code(diary.id, "pain", date(2026, 3, 1), date(2026, 3, 31))


# A note as typed, read back exactly (the texts come as one JSON array: daily_sql._texts):
# quotes, a backslash, a line break, a tab, a control character, accents, an emoji, JSON.
NOTE = 'after the "long" walk \\ à Zürich\nthen 🙂\t\x01 [1, null] "\\u00e9"'


def test_sql_days_of_one_entry_each_equal_the_analysis(app, make):
    """Days with one entry each are read from the entry's row as it is, not combined: the same
    values and lateness as the analysis. Patient's zone Pacific/Honolulu (-10). Entries:

    - 1 Apr 2026: pain 4, no zone (Honolulu), recorded 2 Apr 20:00 UTC (44 h after the day
      began in UTC: judged in its zone; local 2 Apr 10:00: on time); a note and a blank "where
      else"; sleep 6.5; side effects.
    - 2 Apr 2026: pain 5 in Asia/Tokyo (+9) recorded 3 Apr 20:00 UTC (44 h: judged; local 4 Apr
      05:00: late).
    - 3 Apr 2026: pain 6 in UTC recorded 6 Apr (72 h: late in every zone).
    - 4 Apr 2026: pain 7 in UTC recorded that day (on time)."""
    patient = make.patient(timezone="Pacific/Honolulu")
    for day, pain, zone, at, more in (
        (
            date(2026, 4, 1),
            4,
            None,
            _at(2026, 4, 2, 20),
            {
                "note": NOTE,
                "body_site_other": "  ",
                "sleep_hours": 6.5,
                "pain_worst": 8,
                "side_effects": {"nausea": 2},
                "symptoms": ["burning"],
            },
        ),
        (date(2026, 4, 2), 5, "Asia/Tokyo", _at(2026, 4, 3, 20), {"pain_least": 3}),
        (date(2026, 4, 3), 6, "UTC", _at(2026, 4, 6, 0), {}),
        (date(2026, 4, 4), 7, "UTC", _at(2026, 4, 4, 9), {"mood": 4}),
    ):
        make.entry(patient, day=day, pain=pain, timezone=zone, recorded_at=at, **more)
    with app.app_context():
        expected = analysis.daily_aggregates(
            series.readings(patient.id, default_zone=patient.timezone)
        )
        found = daily_sql.day_aggregates(patient.id, patient.timezone)
    assert found == expected
    assert [found[d].late_entries for d in found] == [0, 1, 1, 0]
    first = found[date(2026, 4, 1)]
    assert first.entries == 1 and first.notes == (NOTE,)
    assert first["body_site_other"] == () and first["side_effect_other"] == ()
    assert first["side_effects"] == {"nausea": 2} and first["symptoms"] == {"burning"}
    assert first["pain_worst"] == 8 and first["sleep_hours"] == 6.5
    # a mean is a float, also of one value (the page shows "4.0", not "4")
    assert [type(found[d]["pain"]) for d in found] == [float] * 4
    assert found[date(2026, 4, 4)]["mood"] == 4.0 and found[date(2026, 4, 4)]["pain_least"] is None
