"""Pure knowledge of files: what a file is, what it says (dates, places, codecs, sidecars) and
what is not media. No rows: models, the import and the thumbnail generators all ask it."""
