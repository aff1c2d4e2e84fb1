"""A native engine that crashes is reported, never takes the server down (issue 9)."""

import json
from pathlib import Path

import httpx
from openai import OpenAI

from plugstack.engines.guard import cpu_features
from tests.support.models import llama_cpp_provider
from tests.support.plugins import plugin_env
from tests.support.server import run_server

RUN_YAML = f"""\
version: 1
distribution: guarded
apis: [inference]
providers:
  inference:
    - provider_id: crashing
      provider_type: inline::crashing-engine
{llama_cpp_provider(n_ctx=512)}
registered_resources:
  models:
    - {{model_id: smol, provider_id: llama-cpp, provider_model_id: SmolLM2-135M-Instruct}}
"""


def test_a_crashing_engine_leaves_the_server_serving(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {
        **plugin_env(tmp_path / "site", "crashing-engine", "tests.support.crashing_engine"),
        "PLUGSTACK_CACHE_DIR": str(cache),
    }
    with run_server(RUN_YAML, tmp_path / "state", env=env) as server, httpx.Client(base_url=server.base_url) as http:
        assert http.get("/v1/health").json() == {"status": "OK"}
        providers = {p["provider_id"]: p for p in http.get("/v1/providers").json()["data"]}
        crashed = providers["crashing"]["health"]
        assert crashed["status"] == "Error"
        assert "killed by SIGSEGV (signal 11)" in crashed["message"]
        assert f"(CPU {cpu_features()})" in crashed["message"]

        # the rest of the stack serves: llama.cpp passed its own trial and answers
        assert providers["llama-cpp"]["health"]["status"] == "OK"
        client = OpenAI(base_url=f"{server.base_url}/v1", api_key="unused", max_retries=0)
        reply = client.chat.completions.create(
            model="smol", messages=[{"role": "user", "content": "Say hi."}], max_tokens=8
        )
        assert reply.choices[0].message.content
    records = [json.loads(path.read_text()) for path in (cache / "engine-checks").glob("*.json")]
    assert [record["target"] for record in records] == ["plugstack_llama_cpp.trial:decode"]
    assert "SIGSEGV" in server.log()
