"""uvicorn's httptools protocol with a bound on the request head, which uvicorn leaves unbounded.

httptools gathers a header line whole (joining the pieces of bytes as they come) before uvicorn
sees it, and uvicorn keeps every header of a request: a header of megabytes was taken whole,
and the web process grew by several times its size. Here the bytes of a head (request line and headers) are counted
as they arrive, before the parser gets them; past MAX_HEAD_BYTES the request is answered 431 and
the connection closed. A head must also arrive within PHOTOSITE_BODY_IDLE_SECONDS of the request's
first byte (or the connection's opening), so a client trickling one header byte at a time holds
a connection that long at most.

h11 has such a bound (`--h11-max-incomplete-event-size`) but parses bodies in Python: slower for
the uploads, which are most of what this server receives."""
from django.conf import settings
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

# Browsers send a few KB; a session and CSRF cookie, a long Referer and a tus Upload-Metadata
# header fit many times over. Apache and nginx (large_client_header_buffers) refuse about here.
MAX_HEAD_BYTES = 64 * 1024
REFUSAL = b"request head (request line and headers) over 64 KB"


class BoundedHeadProtocol(HttpToolsProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.head_bytes = 0  # of the request head being received; None while its body is
        self.head_deadline = None

    def connection_made(self, transport):
        super().connection_made(transport)
        self.start_head_deadline()

    def connection_lost(self, exc):
        self.cancel_head_deadline()
        super().connection_lost(exc)

    def data_received(self, data):
        """The parser gets a head's bytes only up to the limit; once it has the whole head, the rest
        (the body, perhaps the next request) goes to it as it comes."""
        while self.head_bytes is not None and data:
            room = MAX_HEAD_BYTES - self.head_bytes
            if room <= 0:
                self.refuse_head()
                return
            piece, data = data[:room], data[room:]
            self.head_bytes += len(piece)
            super().data_received(piece)
            if self.transport.is_closing():
                return
        if data:
            super().data_received(data)

    def on_message_begin(self):
        super().on_message_begin()
        if self.head_deadline is None:
            self.start_head_deadline()

    def on_headers_complete(self):
        self.head_bytes = None
        self.cancel_head_deadline()
        super().on_headers_complete()

    def on_message_complete(self):
        super().on_message_complete()
        self.head_bytes = 0  # what follows is the next request's head

    def start_head_deadline(self):
        self.head_deadline = self.loop.call_later(settings.PHOTOSITE_BODY_IDLE_SECONDS, self.head_too_slow)

    def cancel_head_deadline(self):
        if self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None

    def head_too_slow(self):
        self.head_deadline = None
        if self.head_bytes is not None and not self.transport.is_closing():
            self.transport.close()

    def refuse_head(self):
        """431 and close; a request still being answered on this connection (pipelined) is not
        interrupted by it: then the connection is only closed."""
        self.logger.warning("Refused a request head over %d bytes", MAX_HEAD_BYTES)
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(b"".join([
                STATUS_LINE[431], b"content-type: text/plain; charset=utf-8\r\n",
                b"content-length: %d\r\n" % len(REFUSAL), b"connection: close\r\n\r\n", REFUSAL,
            ]))
        self.transport.close()
