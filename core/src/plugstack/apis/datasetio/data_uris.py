"""Large ``data:`` URI sources are kept out of the registry.

A dataset registered with a data: URI carries its whole file in the URI; stored as is, every
list of datasets would echo megabytes. Its provider decodes it once into a file of its own
and the registry keeps a reference instead: ``data:<media type>;sha256=<digest>,`` (a data:
URI with no payload, naming the digest of the original URI). Registering the original again
is recognised as the same registration.
"""

import hashlib
import re

INLINE_LIMIT = 4096  # characters of a data: URI kept in the registry as it is
_REFERENCE = re.compile(r"data:(?P<media>[^;,]*);sha256=(?P<digest>[0-9a-f]{64}),")


def digest(uri: str) -> str:
    return hashlib.sha256(uri.encode()).hexdigest()


def is_large(uri: str) -> bool:
    return uri.startswith("data:") and len(uri) > INLINE_LIMIT


def reference(uri: str) -> str:
    """What the registry keeps of a large data: URI."""
    media = uri[len("data:") :].partition(",")[0].split(";")[0]
    return f"data:{media};sha256={digest(uri)},"


def referenced_digest(uri: str) -> str | None:
    """The digest a reference names, or None when ``uri`` is not a reference."""
    match = _REFERENCE.fullmatch(uri)
    return match["digest"] if match else None


def as_stored(uri: str) -> str:
    """``uri`` as the registry keeps it."""
    return reference(uri) if is_large(uri) else uri
