"""A TCP proxy in front of a live site that counts the bytes clients send through it: how a test
sees how much of a folder a browser really uploaded, without asking the server it is judging.

`rate` (bytes per second, optional) slows what it forwards to the server, so a test can act while
a large upload is still under way. Without it, bytes are forwarded inside the kernel, so a
benchmark's proxy takes next to no CPU from the site it measures."""
import os
import socket
import threading
import time
from contextlib import suppress

FORWARD_BYTES = 256 * 1024


class CountingProxy:
    def __init__(self, target_port, rate=None):
        self.target_port = target_port
        self.rate = rate
        self.sent = 0  # client → server bytes, every connection together
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._closing:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client):
        try:
            server = socket.create_connection(("127.0.0.1", self.target_port))
        except OSError:
            client.close()  # the site is down (restarting): the browser sees a dropped connection
            return
        threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
        threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, source, target, counted):
        try:
            if not self.rate and hasattr(os, "splice"):
                self._splice(source, target, counted)
            else:
                self._copy(source, target, counted)
        except OSError:
            pass  # either side went away: the other is closed below, as a dropped connection
        finally:
            for end in (source, target):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def _copy(self, source, target, counted):
        started, moved = time.monotonic(), 0
        while data := source.recv(FORWARD_BYTES):
            if counted:
                self._count(len(data))
                moved += len(data)
                if self.rate:
                    time.sleep(max(0.0, started + moved / self.rate - time.monotonic()))
            target.sendall(data)

    def _splice(self, source, target, counted):
        """Forwards through a pipe inside the kernel (Linux's splice): the bytes never enter this
        process, so counting them costs the machine next to nothing beside what it measures."""
        read_end, write_end = os.pipe()
        try:
            while moved := os.splice(source.fileno(), write_end, FORWARD_BYTES):
                if counted:
                    self._count(moved)
                while moved:
                    moved -= os.splice(read_end, target.fileno(), moved)
        finally:
            os.close(read_end)
            os.close(write_end)

    def _count(self, count):
        with self._lock:
            self.sent += count

    def close(self):
        self._closing = True
        self._listener.close()
