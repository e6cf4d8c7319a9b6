"""A patient, a parent or carer linked to them, and signing in as either."""

from __future__ import annotations

import pytest


@pytest.fixture
def family(make):
    """Patient Pat (clinician Cal) with carer Anna; another patient Olly, not Anna's."""
    pat = make.patient(display_name="Pat")
    olly = make.patient(display_name="Olly")
    cal = make.clinician(display_name="Cal")
    make.link(cal, pat)
    make.link(cal, olly)
    anna = make.carer(display_name="Anna")
    make.carer_link(anna, pat)
    return {"pat": pat, "olly": olly, "cal": cal, "anna": anna}
