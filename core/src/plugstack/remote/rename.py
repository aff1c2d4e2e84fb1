"""The client's model id put into a backend's JSON reply, leaving every other byte as it came.

The reply names the model by the backend's id; the client asked by its own (an alias
registered in run.yaml). Parsing and re-serialising every reply and stream chunk to change
one field costs more than the rest of the gateway, and reorders or drops fields the client
should see; so the top-level ``"model": "..."`` is found and replaced in place. A reply
where it cannot be found that way (another key order, an unusual layout) takes the slow,
equally correct path: parse, set, serialise.
"""

import json
import re

from plugstack.errors import ProviderFailedError
from plugstack.json_bytes import open_containers

# A `"model": "<string>"` member not preceded by a backslash (so not inside a string).
_MODEL_MEMBER = re.compile(rb'(?<!\\)"model"\s*:\s*"((?:[^"\\]|\\.)*)"')


def rename_model(body: bytes, name: str) -> bytes:
    """``body``, a JSON object, with its top-level ``model`` set to ``name``."""
    encoded = json.dumps(name, ensure_ascii=False).encode()
    for member in _MODEL_MEMBER.finditer(body):
        if open_containers(body[: member.start()]) == 1:
            if member.group(1) == encoded[1:-1]:
                return body
            return body[: member.start(1) - 1] + encoded + body[member.end(1) + 1 :]
    return _rename_parsed(body, name)


def _rename_parsed(body: bytes, name: str) -> bytes:
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise ProviderFailedError(f"the backend answered with invalid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ProviderFailedError(f"the backend answered with a JSON {type(document).__name__}, not an object")
    document["model"] = name
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
