"""examples/flywheel/flywheel.py end to end against a real server: batch questions, synthetic
preference pairs scored by the embedded judge, a DPO job on that dataset that completes and whose
model is served and answers, and an eval of both models.

The server runs the APIs of `starter` that the loop uses, under starter's names (model, reward
model `judge`), without the ones it does not (embeddings, safety, tools, agents, vector stores),
so it starts faster."""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from llama_stack_client import LlamaStackClient

from tests.support.models import llama_cpp_provider
from tests.support.server import RunningServer, run_server

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).parents[2] / "examples" / "flywheel" / "flywheel.py"
BASE_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"


RUN_YAML = f"""\
version: 1
distribution: flywheel-tests
apis: [inference, files, batches, datasetio, reward_scoring, synthetic_data_generation, post_training, scoring, eval]
providers:
  inference:
{llama_cpp_provider()}
    - provider_id: transformers
      provider_type: inline::transformers
      config: {{default_max_tokens: 16, num_threads: 2}}
  files:
    - provider_id: files
      provider_type: inline::localfs
  batches:
    - provider_id: batches
      provider_type: inline::reference
  datasetio:
    - provider_id: localfs
      provider_type: inline::localfs
      config: {{uri_schemes: [file, data], inline_rows: true}}
  reward_scoring:
    - provider_id: reward-judge
      provider_type: inline::llm-as-judge
  synthetic_data_generation:
    - provider_id: synthetic-data
      provider_type: inline::reference
  post_training:
    - provider_id: trl
      provider_type: inline::trl
      config: {{max_length: 64, num_threads: 2}}
  scoring:
    - provider_id: basic
      provider_type: inline::basic
  eval:
    - provider_id: meta-reference
      provider_type: inline::meta-reference
registered_resources:
  models:
    - {{model_id: {BASE_MODEL}, provider_id: llama-cpp, provider_model_id: SmolLM2-135M-Instruct}}
  reward_models:
    - {{reward_model_id: judge, provider_id: reward-judge, provider_model_id: {BASE_MODEL}}}
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    home = tmp_path_factory.mktemp("flywheel")
    with run_server(RUN_YAML, home / "state", env={"HF_HUB_OFFLINE": "1"}, timeout=300) as running:
        yield running


def test_the_flywheel_example_runs_the_whole_loop(stack: RunningServer, tmp_path: Path) -> None:
    summary_path = tmp_path / "summary.json"
    command = [
        sys.executable, str(EXAMPLE), "--base-url", stack.base_url,
        "--topics", "3", "--k", "3", "--max-tokens", "24", "--dpo-steps", "1", "--json", str(summary_path),
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{stack.log()[-3000:]}"
    assert "1/6 batch" in run.stderr and "4/6 DPO" in run.stderr  # tqdm's progress bars
    summary = json.loads(summary_path.read_text())
    stats = summary["synthetic"]["statistics"]
    assert stats["dialogs"] == 3 and stats["generated"] == 9 and stats["kept"] == 3
    assert 1 <= summary["preference_pairs"] == stats["rows_saved"] <= 3

    client = LlamaStackClient(base_url=stack.base_url, max_retries=0, timeout=120)
    dataset = client.datasets.retrieve(dataset_id=summary["synthetic"]["dataset_id"])
    assert dataset.purpose == "post-training/preferences"
    rows = client.datasets.iterrows(dataset_id=dataset.identifier).data
    assert all(row["chosen"] != row["rejected"] and row["prompt"][-1]["role"] == "user" for row in rows)
    prompts = [row["prompt"][-1]["content"] for row in rows]
    assert prompts == [question for question in summary["questions"] if question in prompts]  # in dialog order

    dpo = summary["dpo"]
    status = client.alpha.post_training.job.status(job_uuid=dpo["job_uuid"]).to_dict()
    assert status["status"] == "completed" and status["progress"]["step"] == dpo["steps"] == 1
    assert status["served_model"]["state"] == "served" and dpo["model_id"] == f"ft:{dpo['job_uuid']}"
    assert dpo["model_id"] in {model.identifier for model in client.models.list()}
    assert isinstance(summary["served_reply"], str)
    assert set(summary["eval_accuracy"]) == {BASE_MODEL, dpo["model_id"]}
    assert all(0.0 <= accuracy <= 1.0 for accuracy in summary["eval_accuracy"].values())
