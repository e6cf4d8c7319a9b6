"""The entries API against a model of what it promises the phone's outbox, on seeded random
sequences of requests (the same ones every run; a failure names its seed and step): an entry
sent again with its id (a lost answer, the outbox resending) is answered 200 with what is
stored and never stored twice, whatever the resent body says; an edit from the version the
phone read moves the version on only when something changed, and one from any other version is
409 with the stored entry, changing nothing; a deleted entry is out of the list, cannot be
edited (409) and comes back by a restore; deleting twice changes nothing. After every request
the stored entries (the list, and each entry read alone, deleted ones too) are the model's."""

from __future__ import annotations

import random
import uuid

import pytest

from tests.factories import login

OPERATIONS = (
    "create",
    "create",
    "resend",
    "resend changed",
    "edit",
    "edit same",
    "edit stale",
    "delete",
    "restore",
)


def _check(client, model: dict[str, dict]) -> None:
    listed = client.get("/api/v1/entries").get_json()
    live = {e["id"]: (e["pain"], e["version"]) for e in listed}
    assert live == {i: (m["pain"], m["version"]) for i, m in model.items() if not m["deleted"]}
    assert len(listed) == len(live)  # each once
    for entry_id, m in model.items():
        got = client.get(f"/api/v1/entries/{entry_id}")
        assert got.status_code == 200, (entry_id, got.status_code)
        assert (got.get_json()["pain"], got.get_json()["version"]) == (m["pain"], m["version"])


@pytest.mark.parametrize("seed", range(1, 11))
def test_random_requests_keep_the_outbox_contract(client, make, seed):
    rng = random.Random(seed)
    token = login(client, make.patient())
    headers = {"X-CSRFToken": token}
    model: dict[str, dict] = {}  # id -> pain, version, deleted, the body first sent
    for step in range(40):
        op = rng.choice(OPERATIONS)
        live = [i for i, m in model.items() if not m["deleted"]]
        deleted = [i for i, m in model.items() if m["deleted"]]
        where = (seed, step, op)
        if op == "create" or not model:
            body = {"id": str(uuid.uuid4()), "day": make.days_ago(rng.randint(0, 5)).isoformat()}
            body["pain"] = rng.randint(0, 10)
            response = client.post("/api/v1/entries", json=body, headers=headers)
            assert response.status_code == 201, where
            model[body["id"]] = {"pain": body["pain"], "version": 1, "deleted": False, "body": body}
        elif op.startswith("resend"):
            entry_id = rng.choice(list(model))
            body = dict(model[entry_id]["body"])
            if op == "resend changed":
                body["pain"] = (body["pain"] + 1) % 11
            response = client.post("/api/v1/entries", json=body, headers=headers)
            m = model[entry_id]
            assert response.status_code == 200, where
            assert (response.get_json()["pain"], response.get_json()["version"]) == (
                m["pain"],
                m["version"],
            ), where
        elif op.startswith("edit") and live:
            entry_id = rng.choice(live)
            m = model[entry_id]
            pain = m["pain"] if op == "edit same" else (m["pain"] + rng.randint(1, 10)) % 11
            version = m["version"] + rng.choice((-1, 1)) if op == "edit stale" else m["version"]
            response = client.patch(
                f"/api/v1/entries/{entry_id}",
                json={"pain": pain, "version": version},
                headers=headers,
            )
            if op == "edit stale":
                assert response.status_code == 409, where
                current = response.get_json()["current"]
                assert (current["pain"], current["version"]) == (m["pain"], m["version"]), where
            else:
                assert response.status_code == 200, where
                if pain != m["pain"]:
                    m["pain"], m["version"] = pain, m["version"] + 1
                assert response.get_json()["version"] == m["version"], where
        elif op == "edit" and deleted:
            entry_id = rng.choice(deleted)
            m = model[entry_id]
            response = client.patch(
                f"/api/v1/entries/{entry_id}",
                json={"pain": (m["pain"] + 1) % 11, "version": m["version"]},
                headers=headers,
            )
            assert response.status_code == 409, where
        elif op == "delete":
            entry_id = rng.choice(list(model))
            m = model[entry_id]
            response = client.delete(f"/api/v1/entries/{entry_id}", headers=headers)
            assert response.status_code == 204, where
            if not m["deleted"]:
                m["deleted"], m["version"] = True, m["version"] + 1
        elif op == "restore":
            entry_id = rng.choice(list(model))
            m = model[entry_id]
            response = client.post(f"/api/v1/entries/{entry_id}/restore", headers=headers)
            if m["deleted"]:
                assert response.status_code == 200, where
                m["deleted"], m["version"] = False, m["version"] + 1
            else:
                assert response.status_code == 409, where
        _check(client, model)
