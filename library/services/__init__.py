"""Orchestrators above the import: the web import, resumable uploads, checking and repairing the
library, status and the timeline — what views, the admin and commands call."""
