"""The flask commands a clinic's IT person uses."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from diary import demo
from diary.extensions import db
from diary.models import CareLink, Entry, Infusion, User
from tests.auth.test_login import csrf_from


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_create_user_link_and_invite(app, runner, client):
    result = runner.invoke(
        args=[
            "create-user",
            "Doc@Clinic.test",
            "--role",
            "clinician",
            "--password",
            "a good long one",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created clinician doc@clinic.test" in result.output
    runner.invoke(
        args=[
            "create-user",
            "pat@clinic.test",
            "--role",
            "patient",
            "--password",
            "another long one",
        ]
    )
    result = runner.invoke(args=["link", "doc@clinic.test", "pat@clinic.test"])
    assert "Linked doc@clinic.test -> pat@clinic.test." in result.output
    assert count(app, CareLink) == 1
    again = runner.invoke(args=["link", "doc@clinic.test", "pat@clinic.test"])
    assert "Already linked" in again.output and count(app, CareLink) == 1

    result = runner.invoke(args=["invite", "doc@clinic.test"])
    link = re.search(r"http://127\.0\.0\.1:5000(/join/\S+)", result.output).group(1)
    assert client.get(link).status_code == 200


def test_create_user_prompts_for_a_hidden_password(app, runner):
    result = runner.invoke(
        args=["create-user", "admin@clinic.test", "--role", "admin"],
        input="a hidden password\na hidden password\n",
    )
    assert result.exit_code == 0, result.output
    assert "a hidden password" not in result.output
    assert count(app, User) == 1


def test_create_user_refuses_bad_input_clearly(runner):
    result = runner.invoke(
        args=["create-user", "x@y.test", "--role", "patient", "--password", "short"]
    )
    assert result.exit_code != 0 and "at least 10 characters" in result.output
    result = runner.invoke(
        args=["create-user", "x@y.test", "--role", "nurse", "--password", "x" * 12]
    )
    assert result.exit_code != 0


def test_link_names_the_missing_account(runner):
    result = runner.invoke(args=["link", "nobody@x.test", "other@x.test"])
    assert result.exit_code != 0 and "No account for nobody@x.test" in result.output


def test_demo_creates_a_clinic_once_and_its_accounts_sign_in(app, runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for email in (demo.CLINICIAN_EMAIL, *demo.PATIENT_EMAILS):
        assert email in result.output
    entries, infusions = count(app, Entry), count(app, Infusion)
    assert 3 * 80 <= entries <= 3 * 120  # about 120 days each, some missed
    assert 3 * 3 <= infusions <= 3 * 6  # 3-5 given plus one scheduled each

    again = runner.invoke(args=["demo"])
    assert "unchanged" in again.output
    assert (count(app, Entry), count(app, Infusion), count(app, User)) == (entries, infusions, 4)

    for email, home in ((demo.PATIENT_EMAILS[0], "/diary"), (demo.CLINICIAN_EMAIL, "/clinic")):
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post(
            "/login", data={"email": email, "password": "demo", "csrf_token": token}
        )
        assert response.headers["Location"] == home
        page = client.get(home).get_data(as_text=True)
        client.post("/logout", data={"csrf_token": csrf_from(page)})


def test_demo_pain_falls_after_infusions(app, runner):
    runner.invoke(args=["demo"])
    with app.app_context():
        patient = db.session.scalar(select(User).where(User.email == demo.PATIENT_EMAILS[0]))
        days = [
            i.started_at.date()
            for i in db.session.scalars(
                select(Infusion).where(
                    Infusion.patient_id == patient.id, Infusion.pain_pre.is_not(None)
                )
            )
        ]
        pain = dict(
            db.session.execute(
                select(Entry.day, Entry.pain).where(Entry.patient_id == patient.id)
            ).all()
        )
    before = [pain[d] for i in days for d in pain if 1 <= (i - d).days <= 7]
    after = [pain[d] for i in days for d in pain if 2 <= (d - i).days <= 9]
    assert sum(after) / len(after) < sum(before) / len(before) - 1.5
