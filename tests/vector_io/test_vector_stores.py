"""Vector stores through the openai client: files in, search out (three modes, filters, limits)."""

from collections.abc import Iterator

import pytest
from openai import OpenAI
from openai.types import VectorStore

from tests.vector_io.conftest import wait_processed

DOCUMENTS = {
    "reactor.md": (
        b"# Night shift\n\nThe zorblax reactor hums quietly while the engineers sleep. Its coolant loop glows blue.",
        {"topic": "physics", "year": 2021, "public": True},
    ),
    "cats.txt": (
        b"Cats sleep in warm places: on laptops, in sunbeams and on freshly washed laundry.",
        {"topic": "pets", "year": 2019, "public": False},
    ),
    "recipes.csv": (
        b"dish,herb\nspring soup,quindlewort\nwinter stew,thyme\n",
        {"topic": "cooking", "year": 2023, "public": True},
    ),
    "page.html": (
        b"<html><head><script>var secretScriptWord = 1;</script><style>p {color: red}</style></head>"
        b"<body><h1>Harbour</h1><p>The ferry to Plimsworth leaves at noon.</p></body></html>",
        {"topic": "travel", "year": 2022, "public": True},
    ),
}


@pytest.fixture(scope="module")
def store(client: OpenAI) -> Iterator[tuple[VectorStore, dict[str, str]]]:
    """A store with every document attached, processed; and the file id of each document."""
    ids = {
        name: client.files.create(file=(name, data), purpose="assistants").id for name, (data, _) in DOCUMENTS.items()
    }
    created = client.vector_stores.create(name="docs", metadata={"team": "retrieval"})
    for name, file_id in ids.items():
        attached = client.vector_stores.files.create(created.id, file_id=file_id, attributes=DOCUMENTS[name][1])
        assert attached.status in ("in_progress", "completed") and attached.vector_store_id == created.id
    yield wait_processed(client, created.id), ids
    client.vector_stores.delete(created.id)


def _files_found(client: OpenAI, store_id: str, query: str, **kwargs: object) -> list[str]:
    return [hit.filename for hit in client.vector_stores.search(store_id, query=query, **kwargs).data]  # type: ignore[arg-type]


def test_files_are_processed_and_counted(client: OpenAI, store: tuple[VectorStore, dict[str, str]]) -> None:
    vector_store, ids = store
    assert vector_store.file_counts.completed == vector_store.file_counts.total == len(DOCUMENTS)
    assert vector_store.status == "completed" and vector_store.usage_bytes > 0
    listed = client.vector_stores.files.list(vector_store.id).data
    assert {f.id for f in listed} == set(ids.values()) and {f.status for f in listed} == {"completed"}


@pytest.mark.parametrize("mode", ["vector", "keyword", "hybrid"])
def test_every_mode_finds_the_planted_term(
    client: OpenAI, store: tuple[VectorStore, dict[str, str]], mode: str
) -> None:
    vector_store, ids = store
    response = client.vector_stores.search(vector_store.id, query="zorblax reactor", extra_body={"search_mode": mode})
    top = response.data[0]
    assert top.file_id == ids["reactor.md"] and top.filename == "reactor.md"
    assert "zorblax" in top.content[0].text and top.attributes == DOCUMENTS["reactor.md"][1]
    assert [hit.score for hit in response.data] == sorted((hit.score for hit in response.data), reverse=True)


def test_parsed_formats(client: OpenAI, store: tuple[VectorStore, dict[str, str]]) -> None:
    vector_store, _ = store
    csv_hit = client.vector_stores.search(vector_store.id, query="quindlewort", extra_body={"search_mode": "keyword"})
    assert "dish: spring soup; herb: quindlewort" in csv_hit.data[0].content[0].text
    html_hits = client.vector_stores.search(vector_store.id, query="Plimsworth", extra_body={"search_mode": "keyword"})
    assert html_hits.data[0].filename == "page.html"
    assert "secretScriptWord" not in html_hits.data[0].content[0].text
    assert not client.vector_stores.search(
        vector_store.id, query="secretScriptWord color", extra_body={"search_mode": "keyword"}
    ).data


def test_filters_on_attributes(client: OpenAI, store: tuple[VectorStore, dict[str, str]]) -> None:
    vector_store, _ = store
    query = "where do things sleep"
    assert _files_found(client, vector_store.id, query, filters={"type": "eq", "key": "topic", "value": "pets"}) == [
        "cats.txt"
    ]
    recent = _files_found(client, vector_store.id, query, filters={"type": "gte", "key": "year", "value": 2022})
    assert sorted(recent) == ["page.html", "recipes.csv"]
    either = {
        "type": "or",
        "filters": [
            {"type": "eq", "key": "topic", "value": "pets"},
            {
                "type": "and",
                "filters": [
                    {"type": "eq", "key": "public", "value": True},
                    {"type": "lt", "key": "year", "value": 2022},
                ],
            },
        ],
    }
    assert sorted(_files_found(client, vector_store.id, query, filters=either)) == ["cats.txt", "reactor.md"]
    not_pets = _files_found(client, vector_store.id, query, filters={"type": "ne", "key": "topic", "value": "pets"})
    assert "cats.txt" not in not_pets and len(not_pets) == 3
    keyword = client.vector_stores.search(
        vector_store.id,
        query="sleep",
        filters={"type": "eq", "key": "topic", "value": "physics"},
        extra_body={"search_mode": "keyword"},
    )
    assert [hit.filename for hit in keyword.data] == ["reactor.md"]


def test_max_num_results_and_score_threshold(client: OpenAI, store: tuple[VectorStore, dict[str, str]]) -> None:
    vector_store, _ = store
    assert len(_files_found(client, vector_store.id, "sleep", max_num_results=1)) == 1
    assert len(_files_found(client, vector_store.id, "sleep", max_num_results=10)) == len(DOCUMENTS)
    scores = [hit.score for hit in client.vector_stores.search(vector_store.id, query="cats on laptops").data]
    cut = (scores[0] + scores[1]) / 2
    kept = client.vector_stores.search(
        vector_store.id, query="cats on laptops", ranking_options={"score_threshold": cut}
    ).data
    assert [hit.filename for hit in kept] == ["cats.txt"]


def test_update_attributes_changes_what_filters_match(client: OpenAI) -> None:
    file = client.files.create(file=("note.txt", b"A note about gravel."), purpose="assistants")
    vector_store = client.vector_stores.create(file_ids=[file.id])
    wait_processed(client, vector_store.id)
    by_colour = {"type": "eq", "key": "colour", "value": "green"}
    assert not _files_found(client, vector_store.id, "gravel", filters=by_colour)
    updated = client.vector_stores.files.update(
        file.id, vector_store_id=vector_store.id, attributes={"colour": "green"}
    )
    assert updated.attributes == {"colour": "green"}
    assert _files_found(client, vector_store.id, "gravel", filters=by_colour) == ["note.txt"]
    client.vector_stores.delete(vector_store.id)


def test_static_chunking_and_file_content(client: OpenAI) -> None:
    words = " ".join(f"word{i}" for i in range(250))
    file = client.files.create(file=("long.txt", words.encode()), purpose="assistants")
    strategy = {"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 20}}
    vector_store = client.vector_stores.create(file_ids=[file.id], chunking_strategy=strategy)  # type: ignore[arg-type]
    wait_processed(client, vector_store.id)
    attached = client.vector_stores.files.retrieve(file.id, vector_store_id=vector_store.id)
    assert attached.chunking_strategy.type == "static"
    chunks = [part.text for part in client.vector_stores.files.content(file.id, vector_store_id=vector_store.id)]
    assert len(chunks) == 3  # tokens 0-99, 80-179, 160-249
    assert chunks[0].split()[-20:] == chunks[1].split()[:20] and chunks[2].split()[-1] == "word249"
    client.vector_stores.delete(vector_store.id)


def test_detaching_a_file_removes_its_chunks(client: OpenAI) -> None:
    keep = client.files.create(file=("keep.txt", b"Lighthouses guide ships."), purpose="assistants")
    drop = client.files.create(file=("drop.txt", b"The snorkelvane is a rare bird."), purpose="assistants")
    vector_store = client.vector_stores.create(file_ids=[keep.id, drop.id])
    wait_processed(client, vector_store.id)
    deleted = client.vector_stores.files.delete(drop.id, vector_store_id=vector_store.id)
    assert deleted.deleted and deleted.id == drop.id
    hits = client.vector_stores.search(vector_store.id, query="snorkelvane", extra_body={"search_mode": "keyword"})
    assert not hits.data
    assert client.vector_stores.retrieve(vector_store.id).file_counts.total == 1
    client.vector_stores.delete(vector_store.id)


def test_file_batches(client: OpenAI) -> None:
    vector_store = client.vector_stores.create(name="batched")
    ids = [
        client.files.create(file=(f"b{i}.txt", f"batch file {i}".encode()), purpose="assistants").id for i in range(3)
    ]
    batch = client.vector_stores.file_batches.create(vector_store.id, file_ids=ids, attributes={"source": "batch"})
    assert batch.id.startswith("vsfb_") and batch.file_counts.total == 3
    wait_processed(client, vector_store.id)
    done = client.vector_stores.file_batches.retrieve(batch.id, vector_store_id=vector_store.id)
    assert done.status == "completed" and done.file_counts.completed == 3
    files = client.vector_stores.file_batches.list_files(batch.id, vector_store_id=vector_store.id).data
    assert sorted(f.id for f in files) == sorted(ids) and all(f.attributes == {"source": "batch"} for f in files)
    cancelled = client.vector_stores.file_batches.cancel(batch.id, vector_store_id=vector_store.id)
    assert cancelled.status == "cancelled" and cancelled.file_counts.completed == 3
    client.vector_stores.delete(vector_store.id)


def test_update_list_and_delete_stores(client: OpenAI) -> None:
    made = [client.vector_stores.create(name=f"page-{i}") for i in range(3)]
    updated = client.vector_stores.update(
        made[0].id, name="renamed", metadata={"k": "v"}, expires_after={"anchor": "last_active_at", "days": 2}
    )
    assert updated.name == "renamed" and updated.metadata == {"k": "v"}
    assert updated.expires_at is not None and updated.expires_at >= updated.created_at + 2 * 86_400
    first = client.vector_stores.list(limit=2, order="asc")
    assert len(first.data) == 2 and first.has_more
    everything = [s.id for s in client.vector_stores.list(order="asc", limit=100).data]
    assert everything == sorted(everything) and {s.id for s in made} <= set(everything)
    after = client.vector_stores.list(limit=100, order="asc", after=made[0].id).data
    assert [s.id for s in after][:2] == [made[1].id, made[2].id]
    for vector_store in made:
        assert client.vector_stores.delete(vector_store.id).deleted
    assert not {s.id for s in made} & {s.id for s in client.vector_stores.list(limit=100).data}
