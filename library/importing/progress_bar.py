"""The command line's progress reporter: one tqdm bar with live imported/duplicate/skipped/failed counts."""
import threading

from tqdm import tqdm


class ProgressBarReporter:
    def __init__(self, total, stream, enabled=True):
        self.bar = tqdm(total=total, unit="file", file=stream, disable=not enabled, dynamic_ncols=True)
        self.lock = threading.Lock()
        self.counts = {"imported": 0, "duplicate": 0, "skipped": 0, "failed": 0}

    def file_done(self, result, counts):
        self.files_done([result], counts)

    def files_done(self, results, counts):
        with self.lock:
            # Threads report out of order; the running totals only ever grow.
            self.counts = {key: max(value, counts[key]) for key, value in self.counts.items()}
            self.bar.set_postfix(self.counts, refresh=False)
            self.bar.update(len(results))

    def outcomes_changed(self, results, counts):
        pass

    def session_complete(self, session):
        pass

    def close(self):
        self.bar.close()
