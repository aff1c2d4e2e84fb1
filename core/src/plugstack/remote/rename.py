"""The client's model id put into a backend's JSON reply, leaving every other byte as it came.

The reply names the model by the backend's id; the client asked by its own (an alias
registered in run.yaml). Parsing and re-serialising every reply and stream chunk to change
one field costs more than the rest of the gateway, and reorders or drops fields the client
should see; so the top-level ``"model": "..."`` is found and replaced in place. Backends put
it near the start after a few plain members (``{"id":…,"object":…,"created":…,"model":…``),
which a handful of byte searches recognise; any other layout is checked by counting open
containers, and a reply where it cannot be found that way takes the slow, equally correct
path: parse, set, serialise.
"""

import json
import re
from functools import lru_cache

from plugstack.errors import ProviderFailedError
from plugstack.json_bytes import open_containers

_KEY = b'"model"'
# A `"model": "<string>"` member not preceded by a backslash (so not inside a string).
_MODEL_MEMBER = re.compile(rb'(?<!\\)"model"\s*:\s*"((?:[^"\\]|\\.)*)"')
_VALUE = re.compile(rb'\s*:\s*"((?:[^"\\]|\\.)*)"')  # what follows the key
_NOT_PLAIN = re.compile(rb"[{}\[\]\\]")  # nesting or an escape: the prefix needs a real look


def rename_model(body: bytes, name: str) -> bytes:
    """``body``, a JSON object, with its top-level ``model`` set to ``name``."""
    encoded = _encoded(name)
    span = _value_span(body)
    if span is None:
        return _rename_parsed(body, name)
    start, end = span
    if body[start:end] == encoded:
        return body
    return body[:start] + encoded + body[end:]


class StreamRenamer:
    """`rename_model` for the events of one stream, which begin alike (``{"id":…,"object":…,
    "created":…,"model":…`` with the same values): an event that starts as the last one did
    up to the end of its model's value gets the same new start, without another search."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._encoded = _encoded(name)
        self._seen = b""  # the last event's bytes up to the end of its model value
        self._renamed = b""  # the same, renamed

    def __call__(self, event: bytes) -> bytes:
        seen = self._seen
        if seen and event.startswith(seen):
            return self._renamed + event[len(seen) :]
        span = _value_span(event)
        if span is None:
            return _rename_parsed(event, self._name)
        start, end = span
        self._seen, self._renamed = event[:end], event[:start] + self._encoded
        return self._renamed + event[end:]


@lru_cache(maxsize=1024)
def _encoded(name: str) -> bytes:
    return json.dumps(name, ensure_ascii=False).encode()


def _value_span(body: bytes) -> tuple[int, int] | None:
    """Where the top-level ``model`` string value lies in ``body``, quotes included."""
    key = body.find(_KEY)
    # Plain prefix: `{` then members without nesting or escapes, so an even count of quotes
    # means the key is not inside a string, and the depth is one.
    if key > 0 and body[0] == 0x7B and not _NOT_PLAIN.search(body, 1, key) and body.count(b'"', 0, key) % 2 == 0:
        value = _VALUE.match(body, key + len(_KEY))
        if value is not None:
            return value.start(1) - 1, value.end(1) + 1
    for member in _MODEL_MEMBER.finditer(body):
        if open_containers(body[: member.start()]) == 1:
            return member.start(1) - 1, member.end(1) + 1
    return None


def _rename_parsed(body: bytes, name: str) -> bytes:
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise ProviderFailedError(f"the backend answered with invalid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ProviderFailedError(f"the backend answered with a JSON {type(document).__name__}, not an object")
    document["model"] = name
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
