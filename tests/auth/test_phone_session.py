"""The cookies that tell a phone's scripts whose session the browser holds (diary_user), and a
sign-out made offline finished by the next request that reaches the server (diary_signout)."""

from __future__ import annotations

import re

from tests.factories import PASSWORD


def _cookie(client, name):
    return client.get_cookie(name)


def _csrf(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _sign_in(client, user, remember: bool = False):
    data = {"email": user.email, "password": PASSWORD, "csrf_token": _csrf(client)}
    if remember:
        data["remember"] = "1"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def test_signing_in_sets_diary_user_readable_by_scripts_and_pages_name_their_user(client, make):
    patient = make.patient()
    _sign_in(client, patient)
    cookie = _cookie(client, "diary_user")
    assert cookie is not None and cookie.value == str(patient.id)
    assert not cookie.http_only
    page = client.get("/diary")
    assert page.headers["X-Diary-User"] == str(patient.id)
    assert f'data-user-id="{patient.id}"' in page.get_data(as_text=True)


def test_diary_user_lasts_as_long_as_the_remember_cookie(app, client, make):
    _sign_in(client, make.patient(), remember=True)
    cookie = _cookie(client, "diary_user")
    assert cookie.expires is not None  # not a browser-session cookie: it outlives a restart


def test_diary_user_is_a_browser_session_cookie_without_remember_me(client, make):
    _sign_in(client, make.patient())
    assert _cookie(client, "diary_user").expires is None


def test_signing_out_drops_diary_user(client, make):
    _sign_in(client, make.patient())
    client.post("/logout", data={"csrf_token": _csrf(client, "/diary")})
    assert _cookie(client, "diary_user") is None
    assert client.get("/diary").status_code == 302


def test_a_pending_offline_sign_out_ends_the_session_on_the_next_request(client, make):
    """The page signed out without a connection and left diary_signout; the first request back
    (any page or API call) ends the session and clears both cookies."""
    patient = make.patient()
    _sign_in(client, patient)
    client.set_cookie("diary_signout", "1")
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert _cookie(client, "diary_signout") is None
    assert _cookie(client, "diary_user") is None
    page = client.get("/diary")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
