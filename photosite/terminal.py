"""The terminal under a management command's progress bars."""


def plain_stream(output):
    """The stream under Django's OutputWrapper (`self.stderr` of a command).

    The wrapper styles everything written to stderr as an error (bold red on a terminal) and ends
    each write with a newline: a progress bar drawn through it looks like a failure and cannot
    redraw its own line."""
    return getattr(output, "_out", output)
