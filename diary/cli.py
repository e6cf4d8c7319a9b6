"""flask commands: create-user, link, invite, demo, import-entries, import-infusions,
export-patient, close-account, vapid-keys, send-reminders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, url_for

from diary import demo
from diary.errors import ServiceError, ValidationError
from diary.extensions import db
from diary.models import Role, User
from diary.services import (
    accounts,
    archive,
    backups,
    closing,
    fhir_import,
    imports,
    infusion_import,
    push,
    push_reminders,
)


def _fail(message: str):
    raise click.ClickException(message)


def _user(email: str, role: Role):
    user = accounts.find_user(email)
    if user is None:
        _fail(f"No account for {email}.")
    if user.role != role:
        _fail(f"{email} is a {user.role.value}, not a {role.value}.")
    return user


def register(app: Flask) -> None:
    register_data_commands(app)
    register_reminder_commands(app)

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
    @click.option("--name", default="", help="Display name (default: the part before @).")
    @click.option("--timezone", default="UTC", show_default=True, help="IANA time zone.")
    @click.option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Asked for, hidden, when left out.",
    )
    def create_user(email: str, role: str, name: str, timezone: str, password: str) -> None:
        """Create an account."""
        try:
            user = accounts.create_account(email, password, Role(role), name, timezone)
        except ValidationError as exc:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in (exc.errors or {}).items())
            _fail(problems or exc.message)
        click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")

    @app.cli.command("link")
    @click.argument("clinician_email")
    @click.argument("patient_email")
    def link(clinician_email: str, patient_email: str) -> None:
        """Let a clinician see a patient."""
        clinician = _user(clinician_email, Role.CLINICIAN)
        patient = _user(patient_email, Role.PATIENT)
        created = accounts.link_accounts(clinician, patient)
        state = "Linked" if created else "Already linked:"
        click.echo(f"{state} {clinician.email} -> {patient.email}.")

    @app.cli.command("invite")
    @click.argument("clinician_email")
    @click.option(
        "--base-url", default="http://127.0.0.1:5000", show_default=True, envvar="DIARY_BASE_URL"
    )
    def invite(clinician_email: str, base_url: str) -> None:
        """Print a single-use join link for a new patient of this clinician."""
        clinician = _user(clinician_email, Role.CLINICIAN)
        try:
            token = accounts.create_invitation(clinician)
        except ValidationError as exc:
            _fail(exc.message)
        with app.test_request_context(base_url=base_url):
            link_url = url_for("auth.join", token=token, _external=True)
        days = app.config["INVITATION_DAYS"]
        click.echo(f"Join link for a patient of {clinician.email} (valid {days} days, once):")
        click.echo(link_url)

    @app.cli.command("sign-out-everywhere")
    @click.argument("email")
    def sign_out_everywhere(email: str) -> None:
        """End every session and remember-me token of an account (a lost or stolen phone)."""
        user = accounts.find_user(email)
        if user is None:
            _fail(f"No account for {email}.")
        accounts.sign_out_everywhere(user.id, by=None)
        click.echo(f"{user.email} is signed out on every device.")

    @app.cli.command("set-password")
    @click.argument("email")
    @click.option(
        "--password", prompt=True, hide_input=True, confirmation_prompt=True,
        help="Asked for, hidden, when left out.",
    )  # fmt: skip
    def set_password(email: str, password: str) -> None:
        """Set a new password for an account; every session of that account ends."""
        user = accounts.find_user(email)
        if user is None:
            _fail(f"No account for {email}.")
        try:
            accounts.set_password(user, password, by=None)
        except ValidationError as exc:
            _fail(" ".join((exc.errors or {}).get("password", [exc.message])))
        click.echo(f"New password set for {user.email}; every session of it has ended.")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
    def backup_command(path: Path, overwrite: bool) -> None:
        """Copy the database to PATH while the app keeps serving (SQLite: online backup API;
        PostgreSQL: pg_dump)."""
        try:
            result = backups.backup(
                app.config["SQLALCHEMY_DATABASE_URI"], path, overwrite=overwrite
            )
        except backups.BackupError as exc:
            _fail(str(exc))
        click.echo(f"Backup written to {result.path}. {result.detail}")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.confirmation_option(
        prompt="This replaces everything in the database with the backup. Is the app stopped?"
    )
    def restore_command(path: Path) -> None:
        """Replace the database's content with the backup PATH (stop the app first)."""
        db.session.remove()
        db.engine.dispose()  # no connection of this process keeps the old content open
        try:
            result = backups.restore(app.config["SQLALCHEMY_DATABASE_URI"], path)
        except backups.BackupError as exc:
            _fail(str(exc))
        click.echo(result.detail)

    @app.cli.command("demo")
    @click.option("--password", default="demo", show_default=True)
    def demo_command(password: str) -> None:
        """Create a demo clinic (safe to run twice: an existing demo is left as it is)."""
        clinician, patients, created = demo.create_demo(password)
        click.echo("Demo clinic created." if created else "Demo clinic already there; unchanged.")
        for user in [clinician, *patients]:
            click.echo(f"  {user.role.value:9} {user.email}")
        if created:
            click.echo(f"  password: {password}")


def _problems(exc: ServiceError) -> str:
    return "; ".join(f"{k}: {' '.join(v)}" for k, v in (exc.errors or {}).items()) or exc.message


def _print_report(report: imports.ImportReport) -> None:
    for problem in report.rejected:
        column = f" [{problem.column}]" if problem.column else ""
        click.echo(f"line {problem.line}{column}: {problem.reason}", err=True)
    if report.committed:
        click.echo(
            f"Stored {report.stored} of {report.rows} rows; {report.skipped} already there, "
            f"{len(report.rejected_lines)} rejected"
            + (f", {report.ignored} other resources ignored" if report.ignored else "")
            + "."
        )
    else:
        _fail(f"{len(report.rejected_lines)} rows rejected: nothing stored (all or nothing).")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        _fail(f"{path} is not UTF-8 text.")


def _run_import(count: int, work) -> imports.ImportReport:
    with click.progressbar(length=count, label="Importing", file=sys.stderr) as bar:
        try:
            return work(bar.update)
        except ServiceError as exc:
            _fail(_problems(exc))


def register_data_commands(app: Flask) -> None:
    @app.cli.command("import-entries")
    @click.argument("patient_email")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--all-or-nothing", is_flag=True, help="Store nothing if any row is rejected.")
    @click.option(
        "--format",
        "kind",
        type=click.Choice(["auto", "csv", "fhir"]),
        default="auto",
        show_default=True,
        help="auto: a file starting with '{' is a FHIR Bundle, anything else a CSV.",
    )
    def import_entries(patient_email: str, file: Path, all_or_nothing: bool, kind: str) -> None:
        """Import diary entries for a patient from a CSV (the columns of the CSV export) or a
        FHIR R4 Bundle of pain Observations. Importing the same file again adds nothing."""
        patient = _user(patient_email, Role.PATIENT)
        text = _read(file)
        if kind == "fhir" or (kind == "auto" and text.lstrip().startswith("{")):
            try:
                document = json.loads(text)
            except ValueError as exc:
                _fail(f"{file} is not JSON: {exc}.")
            count = len(document.get("entry") or []) if isinstance(document, dict) else 0
            report = _run_import(
                count,
                lambda step: fhir_import.import_fhir_bundle(
                    patient, document, by=None, all_or_nothing=all_or_nothing, progress=step
                ),
            )
        else:
            report = _run_import(
                max(text.count("\n") - 1, 0),
                lambda step: imports.import_entries_csv(
                    patient, text, by=None, all_or_nothing=all_or_nothing, progress=step
                ),
            )
        _print_report(report)

    @app.cli.command("import-infusions")
    @click.argument("patient_email")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--all-or-nothing", is_flag=True, help="Store nothing if any row is rejected.")
    def import_infusions(patient_email: str, file: Path, all_or_nothing: bool) -> None:
        """Import a patient's past infusion sessions from a CSV (the columns of the infusion
        CSV export)."""
        patient = _user(patient_email, Role.PATIENT)
        text = _read(file)
        report = _run_import(
            max(text.count("\n") - 1, 0),
            lambda step: infusion_import.import_infusions_csv(
                patient, text, by=None, all_or_nothing=all_or_nothing, progress=step
            ),
        )
        _print_report(report)

    @app.cli.command("export-patient")
    @click.argument("email")
    @click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
    def export_patient(email: str, folder: Path) -> None:
        """Write a patient's archive (the zip of "Download my data") into FOLDER."""
        patient = _user(email, Role.PATIENT)
        path = archive.save_archive(patient, folder, by=None)
        click.echo(f"Wrote {path} ({path.stat().st_size} bytes).")

    @app.cli.command("close-account")
    @click.argument("email")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def close_account(email: str, yes: bool) -> None:
        """Close a patient's account (erase their diary, name and email) or a parent's or
        carer's (erase their name and email; the entries they logged stay). See
        docs/operations.md for what is kept."""
        user = accounts.find_user(email)
        if user is None:
            _fail(f"No account for {email}.")
        if user.role == Role.CARER:
            _close_carer(user, yes)
        elif user.role == Role.PATIENT:
            _close_patient(user, yes)
        else:
            _fail(f"{email} is a {user.role.value}, not a patient or carer.")


def _close_patient(patient: User, yes: bool) -> None:
    if not yes:
        click.confirm(
            f"Erase the diary of {patient.email} and close the account? This cannot be undone",
            abort=True,
        )
    try:
        closed = closing.close_account(patient, by=None)
    except ServiceError as exc:
        _fail(_problems(exc))
    click.echo(
        f"Closed. The account is now {closed.opaque_id}: erased {closed.entries} entries, "
        f"{closed.revisions} revisions, {closed.checkins} check-ins; infusion sessions "
        f"kept: {closed.infusions_kept}, erased: {closed.infusions_erased}."
    )


def _close_carer(carer: User, yes: bool) -> None:
    if not yes:
        click.confirm(
            f"Close the carer account of {carer.email}? The entries it logged stay in the "
            "patients' diaries. This cannot be undone",
            abort=True,
        )
    try:
        closed = closing.close_carer_account(carer, by=None)
    except ServiceError as exc:
        _fail(_problems(exc))
    click.echo(
        f"Closed. The account is now {closed.opaque_id}: {closed.links} links to patients "
        f"ended, {closed.invitations} carer invitations deleted; the {closed.entries_kept} "
        "entries it logged stay, by a former carer."
    )


def register_reminder_commands(app: Flask) -> None:
    @app.cli.command("vapid-keys")
    @click.option(
        "--subject",
        default="mailto:it@clinic.example",
        show_default=True,
        help="Who push services may contact about these pushes (mailto: or https:).",
    )
    def vapid_keys(subject: str) -> None:
        """Print a new VAPID key pair for the environment (push reminders)."""
        private, public = push.new_vapid_keys()
        click.echo(f"VAPID_PRIVATE_KEY={private}")
        click.echo(f"VAPID_PUBLIC_KEY={public}")
        click.echo(f"VAPID_SUBJECT={subject}")
        click.echo(
            "# Keep the private key secret. Changing it later makes every browser subscribe "
            "again (the public key is derived from it; VAPID_PUBLIC_KEY is for reference).",
            err=True,
        )

    @app.cli.command("send-reminders")
    @click.option("--batch-size", type=click.IntRange(1, 10_000), default=None)
    def send_reminders(batch_size: int | None) -> None:
        """Push the reminders due now (run every few minutes; safe on several machines)."""
        try:
            report = push_reminders.send_due_reminders(batch_size=batch_size)
        except RuntimeError as exc:
            _fail(str(exc))
        kinds = ", ".join(f"{k}: {n}" for k, n in sorted(report.by_kind.items())) or "none"
        click.echo(
            f"Reminded {report.reminded} of {report.patients} patients due ({kinds}); "
            f"{report.requests} pushes: {report.delivered} delivered, {report.removed} "
            f"subscriptions gone and removed, {report.failed} failed."
        )
