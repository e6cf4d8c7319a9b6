"""Broken Redis servers for the fault tests: an app made on one, and a Redis that hangs."""

from __future__ import annotations

import contextlib
import socket
import threading
from datetime import UTC, datetime, timedelta

from tests.clinic.charts_html import read_charts


class HungRedis:
    """A "Redis" at 127.0.0.1:<port> that accepts connections, reads what is sent and never
    answers (a hung server, or a network that drops the replies). `received` counts the bytes
    sent to it, so a test can tell whether the app asked it at all."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.received = 0
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self._held.append(client)
            threading.Thread(target=self._read, args=(client,), daemon=True).start()

    def _read(self, client: socket.socket) -> None:
        try:
            while data := client.recv(65536):
                with self._lock:
                    self.received += len(data)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()
        with self._lock:
            held, self._held = self._held, []
        for client in held:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
                client.close()


@contextlib.contextmanager
def app_on_redis(database_url: str, config):
    """An app on the test database made from `config` (a TestingConfig whose REDIS_URL points
    somewhere broken). The limiter is one object bound to the last app made: its state is put
    back for the other tests afterwards."""
    from diary import create_app
    from diary.extensions import db, limiter

    saved = dict(vars(limiter))
    saved["_storage_options"] = dict(limiter._storage_options)  # updated in place by init_app
    config.SQLALCHEMY_DATABASE_URI = database_url
    broken = create_app(config)
    try:
        yield broken
    finally:
        with broken.app_context():
            db.engine.dispose()
        vars(limiter).clear()
        vars(limiter).update(saved)


def patient_up_40_percent(make):
    """A clinician and their patient: baseline 5 in the week before an infusion 20 days ago,
    7 in the last 7 days: +40% on the dashboard, 7.0 today on the review's chart."""
    clinician = make.clinician()
    patient = make.patient(timezone="UTC")
    make.link(clinician, patient)
    today = datetime.now(UTC).date()
    for days_ago in range(21, 28):
        make.entry(patient, today - timedelta(days=days_ago), 5)
    for days_ago in range(7):
        make.entry(patient, today - timedelta(days=days_ago), 7)
    make.infusion(patient, clinician, today - timedelta(days=20))
    return clinician, patient


def assert_views_right(client, patient) -> None:
    """patient_up_40_percent's figures, computed however the caches fare: the review page, its
    charts (7.0 today) and the dashboard (+40%, baseline 5 in the API's list)."""
    assert client.get(f"/clinic/patients/{patient.id}").status_code == 200
    charts = client.get(f"/api/v1/patients/{patient.id}/review/charts?range=90")
    assert charts.status_code == 200
    body = charts.get_json()
    pain = read_charts(body)["pain"]["series"]["Pain now (daily mean)"]
    assert dict(zip(pain["x"], pain["y"], strict=True))[body["end"]] == 7.0
    dashboard = client.get("/clinic")
    assert dashboard.status_code == 200 and "+40%" in dashboard.text
    listed = client.get("/api/v1/patients")
    assert listed.status_code == 200
    (row,) = listed.get_json()
    assert (row["baseline"], row["change_pct"]) == (5.0, 40.0)
