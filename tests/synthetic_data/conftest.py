"""One real server for the synthetic data tests: the embedded SmolLM2 generates and, through
`inline::llm-as-judge`, scores (0..10, constrained, so every candidate gets a number); datasets
go to localfs."""

from typing import Any

from tests.support.clients import http_fixture, server_fixture
from tests.support.models import llama_cpp_provider

MODEL = "smol"
JUDGE = "judge"
GENERATE = "/v1/synthetic-data-generation/generate"
JOBS = "/v1/synthetic-data-generation/jobs"

RUN_YAML = f"""\
version: 1
distribution: synthetic-data-tests
apis: [inference, datasetio, reward_scoring, synthetic_data_generation]
providers:
  inference:
{llama_cpp_provider()}
  datasetio:
    - provider_id: localfs
      provider_type: inline::localfs
      config: {{uri_schemes: [file, data], inline_rows: true}}
  reward_scoring:
    - provider_id: llm-as-judge
      provider_type: inline::llm-as-judge
      config: {{min_score: 0, max_score: 10}}
  synthetic_data_generation:
    - provider_id: synthetic-data
      provider_type: inline::reference
      config: {{default_reward_model: {JUDGE}, chunk_dialogs: 2}}
registered_resources:
  models:
    - {{model_id: {MODEL}, provider_id: llama-cpp, provider_model_id: SmolLM2-135M-Instruct}}
  reward_models:
    - {{reward_model_id: {JUDGE}, provider_id: llm-as-judge, provider_model_id: {MODEL}}}
"""


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def request(dialogs: list[Any], filtering_function: str = "none", **fields: Any) -> dict[str, Any]:
    """A small, seeded run: short candidates (8 tokens), k=3."""
    sampling = {"strategy": {"type": "top_p", "temperature": 0.9, "top_p": 0.95}, "max_tokens": 8}
    return {
        "dialogs": dialogs,
        "filtering_function": filtering_function,
        "model": MODEL,
        "k": 3,
        "sampling_params": sampling,
        "seed": 1,
        **fields,
    }


server = server_fixture(RUN_YAML, "synthetic-data", timeout=300)
http = http_fixture(timeout=600)
