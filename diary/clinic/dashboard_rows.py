"""The dashboard's table rows, written in Python: 50 rows through Jinja macros and a url_for each
cost more than the rest of a repeat view. Same markup as the template wrote, every value
escaped (markupsafe); each review link from one url_for, the patient's id put in by string.

The rows of a page are kept with the listing they show (dashboard.SummaryPage.rendered: the
listing is held per clinician, day and search and reused only while every patient's row is
unchanged), so a repeat view writes none."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import request, url_for
from markupsafe import Markup, escape

from diary import analysis
from diary.services.dashboard import PatientSummary, SummaryPage

DASH = "\u2013"  # the clinic macros' empty value


def _num(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}"


def _pct(value: float | None) -> str:
    return analysis.percent_text(value)  # never rounded across its band's edge


def _day(value: date | None, empty: str) -> str:
    return value.strftime("%d %b %Y") if value else empty


def _row(p: PatientSummary, link: str) -> str:
    reasons = p.attention.reasons
    why = f'<br><span class="muted">{escape("; ".join(reasons))}</span>' if reasons else ""
    baseline = (
        f' <span class="muted">(baseline {_num(p.baseline)})</span>'
        if p.baseline is not None
        else ""
    )
    nxt = f"; next {_day(p.next_infusion_day, '')}" if p.next_infusion_day else ""
    return (
        f'<tr class="attention--{escape(p.attention.level)}" data-patient="{p.id}">\n'
        f'  <th scope="row"><a href="{link}{p.id}">{escape(p.display_name)}</a></th>\n'
        f'  <td data-label="Attention"><span class="badge">{escape(p.attention.label)}</span>'
        f"{why}</td>\n"
        f'  <td data-label="Last entry">{_day(p.last_entry_day, "never")}</td>\n'
        f'  <td class="num" data-label="Mean pain, 7 days">{_num(p.mean_pain_7_days)}</td>\n'
        f'  <td class="num" data-label="Change vs baseline">{_pct(p.change_pct)}{baseline}</td>\n'
        f'  <td class="num" data-label="Days with entries, last 14">{p.entries_last_14_days} / 14'
        "</td>\n"
        f'  <td data-label="Infusions">last {_day(p.last_infusion_day, "none")}{nxt}</td>\n'
        "</tr>\n"
    )


def rows_html(patients: Iterable[PatientSummary]) -> Markup:
    """The <tr> of each patient, in order."""
    # One url_for: the review's address of patient 0 without its id (ids are ints).
    link = url_for("clinic.review_page", patient_id=0)
    if not link.endswith("/0"):  # pragma: no cover - the route's shape changed
        raise RuntimeError(f"unexpected review address {link}")
    link = escape(link[:-1])
    return Markup("".join(_row(p, link) for p in patients))  # noqa: S704 (text through escape())


def page_rows(listing: SummaryPage) -> Markup:
    """The page's rows, kept with its listing (written once per listing, page and script
    root)."""
    key = (listing.page, request.script_root)
    html = listing.rendered.get(key)
    if html is None:
        html = listing.rendered[key] = rows_html(listing.patients)
    return html
