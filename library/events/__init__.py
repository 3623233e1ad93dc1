"""Event streams: the SSE channels an import reports to, the streams that carry them, their
watch on login sessions, and the ASGI route that serves them in front of Django."""
