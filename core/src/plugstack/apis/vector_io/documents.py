"""Documents sent inline (agent turn documents, RAG tool inserts) read with the vector stores'
parsers: the MIME type picks the parser, a ``data:`` URI is decoded here, and nothing is ever
fetched by URL (the server would become a proxy into its own network)."""

import base64
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from plugstack.apis.vector_io.parsing import InvalidFileError, parser_for
from plugstack.errors import BadRequestError

# Document types beyond text/*, by the file extension whose parser reads them.
DOCUMENT_TYPES = {
    "application/json": ".json",
    "application/yaml": ".txt",
    "application/x-yaml": ".txt",
    "application/pdf": ".pdf",
    "text/html": ".html",
    "text/csv": ".csv",
    "text/markdown": ".md",
}


def parser_for_mime(mime_type: str, field: str) -> Callable[[bytes], str]:
    """The parser of a MIME type; 400 naming ``field`` when none reads it."""
    mime = mime_type.split(";")[0].strip().lower()
    extension = DOCUMENT_TYPES.get(mime) or (".txt" if mime.startswith("text/") else None)
    if extension is None:
        served = ", ".join(sorted(DOCUMENT_TYPES))
        raise BadRequestError(f"{field}: {mime_type!r} is not served; text/* and {served} are")
    return parser_for(f"document{extension}")


def data_uri_type(uri: str) -> str | None:
    """The MIME type a ``data:`` URI declares, if any."""
    header = uri.partition(",")[0].removeprefix("data:")
    mime = header.split(";")[0].strip()
    return mime or None


def decode_data_uri(uri: str, field: str) -> bytes:
    """The bytes of a ``data:`` URI; any other URI is a 400 naming ``field`` (URLs are not fetched)."""
    if not uri.startswith("data:"):
        raise BadRequestError(f"{field}: documents by URL are not fetched by the server; send a data: URI or the text")
    header, _, payload = uri.partition(",")
    try:
        return base64.b64decode(payload, validate=True) if header.endswith(";base64") else unquote_to_bytes(payload)
    except ValueError:
        raise BadRequestError(f"{field}: not valid base64") from None


def parse_document(parse: Callable[[bytes], str], data: bytes, field: str) -> str:
    """The document's text; content its parser cannot read is a 400 naming ``field``."""
    try:
        return parse(data)
    except InvalidFileError as exc:
        raise BadRequestError(f"{field}: {exc}") from None
