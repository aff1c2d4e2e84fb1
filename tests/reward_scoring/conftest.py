"""One real server with both reward providers: the embedded SmolLM2 as the judge, and (registered
by the tests that need it) a reward model trained for this session by TRL's RewardTrainer."""

from pathlib import Path

import pytest

from tests.support.clients import http_fixture, server_fixture
from tests.support.models import llama_cpp_provider
from tests.support.reward_model import cached_reward_model, default_cache_root

JUDGE = "judge"
JUDGE_LLM = "smol"
SCORE = "/v1alpha/reward-scoring/score"
REWARD_MODELS = "/v1alpha/reward-scoring/models"

RUN_YAML = f"""\
version: 1
distribution: reward-scoring-tests
apis: [inference, reward_scoring]
providers:
  inference:
{llama_cpp_provider()}
  reward_scoring:
    - provider_id: llm-as-judge
      provider_type: inline::llm-as-judge
      config: {{min_score: 1, max_score: 5}}
    - provider_id: transformers-reward
      provider_type: inline::transformers-reward
      config: {{batch_size: 4, max_length: 128, num_threads: 2}}
registered_resources:
  models:
    - {{model_id: {JUDGE_LLM}, provider_id: llama-cpp, provider_model_id: SmolLM2-135M-Instruct}}
  reward_models:
    - {{reward_model_id: {JUDGE}, provider_id: llm-as-judge, provider_model_id: {JUDGE_LLM}}}
"""


server = server_fixture(RUN_YAML, "reward-scoring", timeout=300)
http = http_fixture(timeout=600)


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


@pytest.fixture(scope="session")
def reward_model_dir() -> Path:
    """SmolLM2 trained by RewardTrainer to prefer helpful answers over rude ones (cached by recipe)."""
    pytest.importorskip("trl")
    return cached_reward_model(default_cache_root())
