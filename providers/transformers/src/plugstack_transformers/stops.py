"""Stop sequences over streamed text, for engines that only stop *after* emitting them.

transformers' ``stop_strings`` ends generation once a stop string has been produced, but the
string is in the output; OpenAI semantics leave it out. Streaming must also hold back text
that may turn out to be the beginning of a stop string.
"""


class StopTrimmer:
    def __init__(self, stops: list[str]) -> None:
        self.stops = [stop for stop in stops if stop]
        self.buffer = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        """Take new text; return the part that is certainly before any stop string."""
        if self.stopped:
            return ""
        self.buffer += text
        if not self.stops:
            out, self.buffer = self.buffer, ""
            return out
        found = [index for index in (self.buffer.find(stop) for stop in self.stops) if index >= 0]
        if found:
            self.stopped = True
            out, self.buffer = self.buffer[: min(found)], ""
            return out
        keep = max((self._partial(stop) for stop in self.stops), default=0)
        cut = len(self.buffer) - keep
        out, self.buffer = self.buffer[:cut], self.buffer[cut:]
        return out

    def _partial(self, stop: str) -> int:
        """Length of the longest end of the buffer that begins ``stop``."""
        for size in range(min(len(stop) - 1, len(self.buffer)), 0, -1):
            if self.buffer.endswith(stop[:size]):
                return size
        return 0

    def flush(self) -> str:
        """What is left once generation ended (held back, but no stop string came)."""
        out, self.buffer = ("" if self.stopped else self.buffer), ""
        return out


def trim_at_stop(text: str, stops: list[str]) -> tuple[str, bool]:
    """``text`` cut before its first stop string, and whether one was found."""
    trimmer = StopTrimmer(stops)
    out = trimmer.feed(text)
    return out + trimmer.flush(), trimmer.stopped
