"""Broken Redis servers for the fault tests: an app made on one, and a Redis that hangs."""

from __future__ import annotations

import contextlib
import socket
import threading


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
