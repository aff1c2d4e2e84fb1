"""Each training mode runs real optimizer steps on SmolLM2-135M (CPU), called as the job calls it.

The HTTP tests (test_server.py) cover LoRA end to end; here full, DoRA, QLoRA and DPO each run
two steps (one epoch) and leave safetensors checkpoints in the form the serving side expects.
"""

import json
import math
from pathlib import Path
from typing import Any

import pytest

from plugstack_trl.data import preference_row, sft_row
from plugstack_trl.plan import AdapterPlan, BaseWeights, OptimizerPlan, PreferencePlan, TrainingPlan
from tests.post_training.conftest import MAX_LENGTH, preference_rows, secret_rows
from tests.support.models import smollm2_gguf

pytestmark = pytest.mark.slow


class RecordingReporter:
    """What the job's child process would send the server."""

    def __init__(self) -> None:
        self.progress_reports: list[dict[str, Any]] = []
        self.lines: list[str] = []
        self.artifacts: list[dict[str, Any]] = []

    def progress(self, **fields: Any) -> None:
        self.progress_reports.append(fields)

    def log(self, line: str) -> None:
        self.lines.append(line)

    def artifact(self, artifact: dict[str, Any]) -> None:
        self.artifacts.append(artifact)


def make_plan(tmp_path: Path, base_cache: Path, method: str, adapter: AdapterPlan | None, lr: float) -> TrainingPlan:
    if method == "dpo":
        rows = [preference_row(row, "prefs", i) for i, row in enumerate(preference_rows(4))]
    else:
        rows = [sft_row(row, "dialog", False, "secret", i) for i, row in enumerate(secret_rows(4))]
    train_file = tmp_path / "train.jsonl"
    train_file.write_text("".join(json.dumps(row) + "\n" for row in rows))
    gguf = smollm2_gguf()
    return TrainingPlan(
        job_uuid=f"direct-{tmp_path.name}",
        method=method,  # type: ignore[arg-type]
        base=BaseWeights(path=str(gguf.parent), gguf_file=gguf.name),
        base_cache=str(base_cache),
        adapter=adapter,
        preference=PreferencePlan(beta=0.1, loss_type="sigmoid") if method == "dpo" else None,
        train_file=str(train_file),
        output_dir=str(tmp_path / "out"),
        n_epochs=1,
        max_steps_per_epoch=2,
        gradient_accumulation_steps=1,
        batch_size=2,
        shuffle=True,
        max_validation_steps=1,
        packed=False,
        train_on_input=False,
        optimizer=OptimizerPlan(optimizer_type="adamw", lr=lr, weight_decay=0.0, num_warmup_steps=0),
        device="cpu",
        num_threads=2,
        max_length=MAX_LENGTH,
        seed=0,
    )


def run(plan: TrainingPlan) -> tuple[Any, RecordingReporter]:
    from plugstack_trl.training import train

    reporter = RecordingReporter()
    return train(plan, reporter), reporter


def check_common(result: Any, reporter: RecordingReporter) -> dict[str, Any]:
    assert result.steps == 2
    steps = [p for p in reporter.progress_reports if "step" in p]
    assert [p["step"] for p in steps] == [1, 2]
    assert all(math.isfinite(p["loss"]) for p in steps) and steps[-1]["eta_seconds"] == 0
    (checkpoint,) = reporter.artifacts
    metrics = checkpoint["training_metrics"]
    assert checkpoint["type"] == "checkpoint" and checkpoint["epoch"] == 1
    assert math.isclose(metrics["perplexity"], math.exp(metrics["validation_loss"]))
    assert list(Path(checkpoint["path"]).glob("*.safetensors"))
    return checkpoint


LORA = {"rank": 8, "alpha": 16, "target_modules": ["q_proj", "v_proj"]}


def test_full_fine_tune_saves_full_weights(tmp_path: Path, base_cache: Path) -> None:
    result, reporter = run(make_plan(tmp_path, base_cache, "sft", None, lr=2e-5))
    checkpoint = check_common(result, reporter)
    assert (Path(checkpoint["path"]) / "model.safetensors").is_file()
    assert result.serve == {"path": checkpoint["path"]}
    assert result.metrics["loss"] < result.first_metrics["loss"]


def test_dora_is_merged_for_serving(tmp_path: Path, base_cache: Path) -> None:
    result, reporter = run(make_plan(tmp_path, base_cache, "sft", AdapterPlan(**LORA, use_dora=True), lr=1e-3))
    checkpoint = check_common(result, reporter)
    adapter_config = json.loads((Path(checkpoint["path"]) / "adapter_config.json").read_text())
    assert adapter_config["use_dora"] is True
    merged = Path(result.serve["path"])
    assert merged.name == "merged" and (merged / "model.safetensors").is_file()
    assert not (merged / "adapter_config.json").exists()


def test_qlora_trains_an_adapter_on_a_4bit_base(tmp_path: Path, base_cache: Path) -> None:
    result, reporter = run(make_plan(tmp_path, base_cache, "sft", AdapterPlan(**LORA, quantize_base=True), lr=1e-3))
    checkpoint = check_common(result, reporter)
    assert (Path(checkpoint["path"]) / "adapter_model.safetensors").is_file()
    assert result.serve == {"adapter_path": checkpoint["path"], "base_model": result.base_model}
    # validation switches bitsandbytes to eval mode: training must go on from the same weights
    assert result.metrics["loss"] < result.first_metrics["loss"] * 1.5


def test_dpo_raises_the_chosen_rejected_margin(tmp_path: Path, base_cache: Path) -> None:
    result, reporter = run(make_plan(tmp_path, base_cache, "dpo", AdapterPlan(**LORA), lr=5e-3))
    check_common(result, reporter)
    assert result.first_metrics["rewards/margins"] == pytest.approx(0.0, abs=1e-6)  # policy == reference at first
    assert result.metrics["rewards/margins"] > 0.05
    assert result.metrics["loss"] < math.log(2)
