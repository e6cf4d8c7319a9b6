"""The review page's charts come in a second request (data-charts-src); the tests'
`review_charts()` helper follows it with the client the test signed in with."""

from __future__ import annotations

import pytest

from tests.clinic import test_review


@pytest.fixture(autouse=True)
def _charts_client(request):
    if "client" not in request.fixturenames:
        yield
        return
    test_review.CHARTS_CLIENT.append(request.getfixturevalue("client"))
    yield
    test_review.CHARTS_CLIENT.pop()
