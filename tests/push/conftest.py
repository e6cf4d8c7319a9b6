"""A local fake push service, the browser side of a subscription (its keys), and the server's
VAPID keys: what the push tests need to see a reminder leave the server and arrive readable."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from diary.services import push


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakePushService:
    """Answers 201 to every POST unless told otherwise per path; keeps every request."""

    base_url: str = ""
    statuses: dict[str, int] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def endpoint(self, name: str) -> str:
        return f"{self.base_url}/push/{name}"

    def paths(self) -> list[str]:
        with self.lock:
            return [r.path for r in self.received]


def _handler(service: FakePushService):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with service.lock:
                headers = {k.lower(): v for k, v in self.headers.items()}
                service.received.append(Received(self.path, headers, body))
            if service.delay:
                time.sleep(service.delay)
            status = service.statuses.get(self.path, 201)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def push_service():
    service = FakePushService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    server.daemon_threads = True
    service.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield service
    server.shutdown()
    server.server_close()


class BrowserKeys:
    """What a browser makes when it subscribes: a P-256 key pair and a 16-byte auth secret."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        self.p256dh = push.b64url(
            self.private.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )
        self.auth = push.b64url(self.auth_secret)

    def subscription(self, endpoint: str) -> dict:
        return {"endpoint": endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    def decrypt(self, body: bytes) -> dict:
        """What the browser's push service worker would read (RFC 8291, aes128gcm)."""
        plain = http_ece.decrypt(
            body, private_key=self.private, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return json.loads(plain)


@pytest.fixture
def browser_keys():
    return BrowserKeys


@pytest.fixture
def vapid(app, monkeypatch):
    """The server's VAPID keys in the config, and local http endpoints allowed."""
    private, public = push.new_vapid_keys()
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", private)
    monkeypatch.setitem(app.config, "VAPID_SUBJECT", "mailto:it@clinic.example")
    monkeypatch.setitem(app.config, "PUSH_ALLOW_HTTP", True)
    monkeypatch.setitem(
        app.config, "PUSH_SERVICE_HOSTS", (*app.config["PUSH_SERVICE_HOSTS"], "127.0.0.1")
    )
    return {"private": private, "public": public, "verify": Vapid02.verify}
