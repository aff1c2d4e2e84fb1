"""LoRA SFT on SmolLM2-135M: through plugstack (HTTP job, child process) vs the same TRL script run directly.

Both train the same rows (dialogs, loss on the answer), LoRA r=8 on q/v, batch 2, max_length 256,
the same number of steps, one validation batch and one adapter save, from the same fp32 HF
folder. Measured: wall time (plugstack: submit → completed; direct: process start → exit),
training tokens/s, and the training process's peak RSS. Target: plugstack <= 1.03 x direct.
Then the same job through plugstack with ``num_processes: 2`` (DDP over gloo, one thread each):
training steps/s of one process vs two on this CPU.
``BENCH_POST_TRAINING_STEPS`` sets the steps (default 20).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.server import run_server

STEPS = int(os.environ.get("BENCH_POST_TRAINING_STEPS", "20"))
BATCH = 2
MAX_LENGTH = 256
LR = 2e-4
TOPICS = ["the sea", "mountains", "bread", "rain", "trains", "owls", "copper", "tea"]

RUN_YAML = """version: 1
distribution: bench-post-training
apis: [datasetio, post_training]
providers:
  datasetio:
    - provider_id: localfs
      provider_type: inline::localfs
  post_training:
    - provider_id: trl
      provider_type: inline::trl
      config: {{max_length: {max_length}, base_model_cache: "{cache}", num_processes: {processes}}}
"""

# The same training, written the way a TRL user would: no plugstack involved.
DIRECT_SCRIPT = """
import json, sys, time
started = time.monotonic()
import torch
from datasets import Dataset
from peft import LoraConfig
from trl import SFTConfig, SFTTrainer
from transformers import AutoModelForCausalLM, AutoTokenizer

base, rows_file, out, steps, batch, max_length, lr = sys.argv[1:8]
rows = [json.loads(line) for line in open(rows_file)]
tokenizer = AutoTokenizer.from_pretrained(base)
model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
args = SFTConfig(output_dir=out, max_steps=int(steps), per_device_train_batch_size=int(batch),
                 per_device_eval_batch_size=int(batch), learning_rate=float(lr), lr_scheduler_type="linear",
                 logging_steps=1, save_strategy="no", report_to="none", disable_tqdm=True, bf16=False,
                 use_cpu=True, max_length=int(max_length), train_sampling_strategy="sequential",
                 activation_checkpointing=False)
trainer = SFTTrainer(model=model, args=args, processing_class=tokenizer, train_dataset=Dataset.from_list(rows),
                     eval_dataset=Dataset.from_list(rows[: int(batch)]),
                     peft_config=LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"],
                                            lora_dropout=0.0, task_type="CAUSAL_LM"))
output = trainer.train()
trainer.evaluate()
trainer.model.save_pretrained(out + "/adapter")
tokens = trainer.state.log_history[-2].get("num_tokens") or trainer.state.log_history[-3].get("num_tokens")
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        rss = int(line.split()[1]) / 1024
print(json.dumps({"wall_s": time.monotonic() - started, "train_s": output.metrics["train_runtime"],
                  "tokens": tokens, "peak_rss_mb": rss}))
"""


def dialogs() -> list[dict[str, Any]]:
    """Rows long enough to matter: a question and a few-sentence answer per topic, repeated."""
    rows = []
    for i in range(STEPS * BATCH):
        topic = TOPICS[i % len(TOPICS)]
        answer = " ".join(f"Fact {n} about {topic}: it is worth a careful look, and here is why." for n in range(5))
        rows.append({"messages": [{"role": "user", "content": f"Tell me about {topic}."},
                                  {"role": "assistant", "content": answer}]})  # fmt: skip
    return rows


def peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def job_child(server_pid: int) -> int | None:
    """The job's child process (``python -m plugstack.jobs.child``) under the server."""
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
                stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if b"plugstack.jobs.child" in cmdline and int(stat[1]) == server_pid:
                return int(proc.name)
    return None


def through_plugstack(work: Path, cache: Path, rows: list[dict[str, Any]], processes: int = 1) -> dict[str, Any]:
    config = RUN_YAML.format(max_length=MAX_LENGTH, cache=cache, processes=processes)
    state = work / f"state-{processes}"
    with run_server(config, state) as server, httpx.Client(base_url=server.base_url, timeout=60) as http:
        http.post("/v1beta/datasets", json={"purpose": "post-training/messages", "dataset_id": "bench",
                                            "source": {"type": "rows", "rows": rows}}).raise_for_status()  # fmt: skip
        body = {
            "job_uuid": "bench", "model": str(base_folder(cache)), "hyperparam_search_config": {}, "logger_config": {},
            "algorithm_config": {"type": "LoRA", "lora_attn_modules": ["q_proj", "v_proj"], "apply_lora_to_mlp": False,
                                 "apply_lora_to_output": False, "rank": 8, "alpha": 16},
            "training_config": {
                "n_epochs": 1, "max_steps_per_epoch": STEPS, "gradient_accumulation_steps": 1,
                "max_validation_steps": 1, "dtype": "fp32",
                "data_config": {"dataset_id": "bench", "batch_size": BATCH, "shuffle": False, "data_format": "dialog"},
                "optimizer_config": {"optimizer_type": "adamw", "lr": LR, "weight_decay": 0.0, "num_warmup_steps": 0},
            },
        }  # fmt: skip
        started = time.monotonic()
        http.post("/v1alpha/post-training/supervised-fine-tune", json=body).raise_for_status()
        rss, child = None, None
        while True:
            status = http.get("/v1alpha/post-training/job/status", params={"job_uuid": "bench"}).json()
            if status["status"] in ("completed", "failed", "cancelled"):
                break
            child = child or job_child(server.process.pid)
            rss = (peak_rss_mb(child) if child else None) or rss
            time.sleep(0.2)
        wall = time.monotonic() - started
        if status["status"] != "completed":
            raise RuntimeError(f"the plugstack job ended {status['status']}: {status.get('error')}")
        progress = status["progress"]
        return {"wall_s": wall, "tokens": progress["tokens"], "tokens_per_s": progress["tokens_per_second"],
                "steps_per_s": progress["step"] / progress["elapsed_seconds"], "peak_rss_mb": rss}  # fmt: skip


def base_folder(cache: Path) -> Path:
    return next(path for path in cache.iterdir() if (path / "config.json").is_file())


def prepare_base(cache: Path) -> None:
    """Convert the GGUF once, outside both timings (plugstack's job would otherwise do it the first time)."""
    from plugstack_trl.plan import BaseWeights, OptimizerPlan, TrainingPlan
    from plugstack_trl.training import base_folder as convert
    from tests.support.models import smollm2_gguf

    gguf = smollm2_gguf()
    plan = TrainingPlan.model_construct(base=BaseWeights(path=str(gguf.parent), gguf_file=gguf.name),
                                        base_cache=str(cache), optimizer=OptimizerPlan())  # fmt: skip
    convert(plan, type("Quiet", (), {"log": staticmethod(lambda line: None)})())


def directly(work: Path, cache: Path, rows: list[dict[str, Any]]) -> dict[str, Any]:
    from plugstack_trl.data import sft_row

    rows_file = work / "direct.jsonl"
    rows_file.write_text(
        "".join(json.dumps(sft_row(r, "dialog", False, "bench", i)) + "\n" for i, r in enumerate(rows))
    )
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    args = [
        str(base_folder(cache)),
        str(rows_file),
        str(work / "direct"),
        str(STEPS),
        str(BATCH),
        str(MAX_LENGTH),
        str(LR),
    ]
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", DIRECT_SCRIPT, *args], capture_output=True, text=True, env=env)
    wall = time.monotonic() - started
    if out.returncode != 0:
        raise RuntimeError(f"direct TRL run failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {"wall_s": wall, "tokens": result["tokens"], "tokens_per_s": result["tokens"] / result["train_s"],
            "peak_rss_mb": result["peak_rss_mb"]}  # fmt: skip


def main() -> dict[str, Any]:
    rows = dialogs()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cache = work / "base-models"
        prepare_base(cache)
        direct = directly(work, cache, rows)
        plugstack = through_plugstack(work, cache, rows)
        two_processes = through_plugstack(work, cache, rows, processes=2)
    ratio_wall = plugstack["wall_s"] / direct["wall_s"]
    ratio_tps = direct["tokens_per_s"] / plugstack["tokens_per_s"]
    print(f"LoRA SFT, SmolLM2-135M, {STEPS} steps, batch {BATCH}, max_length {MAX_LENGTH}, CPU")
    print(f"{'':12}{'wall s':>10}{'tokens':>10}{'tok/s':>10}{'peak RSS MB':>14}")
    for name, run in (("direct TRL", direct), ("plugstack", plugstack)):
        rss = f"{run['peak_rss_mb']:.0f}" if run["peak_rss_mb"] else "n/a"
        print(f"{name:12}{run['wall_s']:>10.1f}{run['tokens']:>10.0f}{run['tokens_per_s']:>10.1f}{rss:>14}")
    print(f"plugstack / direct: wall x{ratio_wall:.3f}, time per token x{ratio_tps:.3f} (target <= 1.03)")
    print(f"plugstack, 2 processes (DDP, gloo): wall {two_processes['wall_s']:.1f} s, training steps/s "
          f"{two_processes['steps_per_s']:.3f} vs {plugstack['steps_per_s']:.3f} in one process")  # fmt: skip
    return {"steps": STEPS, "batch": BATCH, "max_length": MAX_LENGTH, "direct": direct, "plugstack": plugstack,
            "plugstack_2_processes": two_processes, "wall_ratio": ratio_wall,
            "time_per_token_ratio": ratio_tps}  # fmt: skip
