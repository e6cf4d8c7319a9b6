"""The clinician's review of one patient: key figures, infusion and course responses, figures.

Everything the review page, the pre-visit report, GET /patients/<id>/summary and
GET /patients/<id>/responses show is built here, in a fixed number of queries whatever the
length of the diary. Modules: `load` (the four queries), `responses` (the one computed object
of per-session and per-course numbers), `key_figures` (what a clinician reads first), `pages`
(the page, the report and its figures; figure JSON is made safe for HTML by
charts.script_json), `figures` (the page's charts, one JSON document). The clinical
definitions live in diary.analysis; the figures in diary.charts.
"""

from diary.services.review.figures import ReviewCharts, review_charts
from diary.services.review.key_figures import KeyFigures
from diary.services.review.pages import (
    DEFAULT_RANGE,
    RANGE_LABELS,
    RANGES,
    Report,
    Review,
    ReviewPage,
    build,
    course_name,
    parse_range,
    report,
    responses,
    review_page,
    summary,
)
from diary.services.review.responses import (
    CSS_DEFINITION,
    OUTCOMES_DEFINITION,
    PAIN_BACK_DEFINITION,
    CourseRow,
    Responses,
    SessionRow,
)

__all__ = [
    "CSS_DEFINITION",
    "DEFAULT_RANGE",
    "OUTCOMES_DEFINITION",
    "PAIN_BACK_DEFINITION",
    "RANGES",
    "RANGE_LABELS",
    "CourseRow",
    "KeyFigures",
    "Report",
    "Responses",
    "Review",
    "ReviewCharts",
    "ReviewPage",
    "SessionRow",
    "build",
    "course_name",
    "parse_range",
    "report",
    "responses",
    "review_charts",
    "review_page",
    "summary",
]
