"""File names as shown to people. A name from an upload or a folder is only ever *displayed*
and stored as text: it never becomes part of a filesystem path."""
import unicodedata

MAX_NAME_LENGTH = 255


def display_name(raw) -> str:
    """The last path component, as valid UTF-8 text with control characters made visible."""
    if isinstance(raw, bytes):
        text = raw.decode("utf-8", "replace")
    else:
        text = str(raw).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = text.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    text = "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Cs") else ch for ch in text)
    text = text.strip() or "unnamed"
    return text if len(text) <= MAX_NAME_LENGTH else text[: MAX_NAME_LENGTH - 1] + "…"
