"""The import steps: sources, archives, staging, the pipeline that places each file and records
its row, sidecar matching, moment pairing, syncfs batches, the watch, progress."""
