"""A refusal answered by ASGI code in front of Django (too many uploads or event streams, a
stalled body): a status and a short JSON reason, like the API's own errors."""
import json


async def refuse(send, status, reason, headers=()):
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), *headers]})
    await send({"type": "http.response.body", "body": json.dumps({"error": reason}).encode()})
