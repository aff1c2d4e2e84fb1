"""The training itself, in the job's child process: load, train with TRL, checkpoint, finish.

Epochs are laid out here, not by the Trainer: each epoch takes at most
``max_steps_per_epoch * batch_size * gradient_accumulation_steps`` rows (in a new seeded order
when ``shuffle``), the epochs are concatenated, and the Trainer walks them once in order. The
learning-rate schedule then spans the real number of steps, and `ReporterCallback` validates and
writes a checkpoint at each epoch's last step.
"""

import hashlib
import json
import math
import os
import random
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
from datasets import Dataset
from pydantic import BaseModel, Field
from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig, TrainerCallback

from plugstack_trl.plan import TrainingPlan

# A plain transcript, the same one inline::transformers falls back to for models without a chat
# template: what a model learns here is what it is prompted with when served.
TRANSCRIPT_TEMPLATE = (
    "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant:{% endif %}"
)
OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
}


class TrainingResult(BaseModel):
    """The job's result: where the weights are and how inline::transformers should serve them."""

    path: str = Field(description="the final weights: an adapter folder, or full weights")
    serve: dict[str, str] = Field(
        description="model metadata for inline::transformers (path, or adapter_path + base_model)"
    )
    base_model: str = Field(description="the HF folder the job trained from")
    steps: int
    metrics: dict[str, float] = Field(description="the last logged training values (loss, DPO reward margins, ...)")
    first_metrics: dict[str, float] = Field(description="the first logged training values, to compare with")


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Runtime:
    """Where and how this process computes: device, mixed precision, threads, and its rank among
    the job's processes (the launcher's RANK / WORLD_SIZE / LOCAL_RANK; one process without them)."""

    def __init__(self, plan: TrainingPlan) -> None:
        cuda = torch.cuda.is_available() and plan.device != "cpu"
        if plan.device == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("device 'cuda' was configured but torch sees no CUDA GPU")
        self.device = "cuda" if cuda else "cpu"
        self.rank = int(os.environ.get("RANK", "0"))
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        if cuda and self.world_size > 1:
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))  # "cuda" is then this rank's GPU
        self.fsdp = self.world_size > 1 and plan.parallel.fsdp
        # CPUs without bf16 units run bf16 steps many times slower: they train in fp32.
        self.bf16 = cuda and plan.dtype == "bf16" and torch.cuda.is_bf16_supported()
        self.fp16 = cuda and plan.dtype == "fp16"
        if plan.num_threads:
            torch.set_num_threads(max(1, plan.num_threads // self.world_size))

    @property
    def compute_dtype(self) -> torch.dtype:
        return torch.bfloat16 if self.bf16 else torch.float16 if self.fp16 else torch.float32

    def describe(self) -> dict[str, Any]:
        gpu = torch.cuda.get_device_name() if self.device == "cuda" else None
        return {
            "device": self.device,
            "gpu": gpu,
            "torch_threads": torch.get_num_threads(),
            "precision": "bf16" if self.bf16 else "fp16" if self.fp16 else "fp32",
            "processes": self.world_size,
            "parallelism": "fsdp" if self.fsdp else "ddp" if self.world_size > 1 else "none",
        }


# -- weights --------------------------------------------------------------------------------------


def base_folder(plan: TrainingPlan, reporter: Any) -> Path:
    """The base as an HF folder. A GGUF file is converted once (dequantized to fp32) into the shared cache."""
    source = Path(plan.base.path)
    if plan.base.gguf_file is None:
        return source
    gguf = source / plan.base.gguf_file
    stat = gguf.stat()
    key = hashlib.sha256(f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    target = Path(plan.base_cache) / f"{gguf.stem}-{key}"
    if (target / "config.json").is_file():
        return target
    reporter.log(f"converting {gguf} to an fp32 HF folder in {target} (once)")
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=gguf.name, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(
        source, gguf_file=gguf.name, dtype=torch.float32, local_files_only=True
    )
    if getattr(model, "hf_quantizer", None) is not None:  # transformers refuses to save a GGUF-loaded model
        model.hf_quantizer.remove_quantization_config(model)
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    model.save_pretrained(partial, safe_serialization=True)
    tokenizer.save_pretrained(partial)
    partial.rename(target) if not target.exists() else shutil.rmtree(partial)
    return target


def load_tokenizer(folder: Path) -> Any:
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if not tokenizer.chat_template:
        tokenizer.chat_template = TRANSCRIPT_TEMPLATE
    return tokenizer


def load_model(plan: TrainingPlan, folder: Path, runtime: Runtime, quantize: bool) -> Any:
    """The base model (4-bit NF4 for QLoRA), with any adapter it already carries merged in."""
    options: dict[str, Any] = {"dtype": torch.float32, "local_files_only": True}
    if quantize:
        options["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=runtime.compute_dtype
        )
        options["device_map"] = {"": runtime.device}
    model = AutoModelForCausalLM.from_pretrained(folder, **options)
    if quantize:
        _keep_cpu_weights_unpacked(model)
    if plan.base.adapter_path:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, plan.base.adapter_path).merge_and_unload()
    return model


def _keep_cpu_weights_unpacked(model: Any) -> None:
    """bitsandbytes repacks 4-bit weights in place for CPU inference the first time a layer runs in
    eval mode (validation), and training forward passes then read the repacked data as if it were
    not: the loss jumps several-fold. Measured with bitsandbytes 0.50.2; turning the repacking off
    keeps training and validation on the same weights."""
    import bitsandbytes as bnb

    for module in model.modules():
        if isinstance(module, bnb.nn.Linear4bit):
            module.support_avx512bf16_for_cpu = False


# -- data -----------------------------------------------------------------------------------------


def _read(path: str) -> list[dict[str, Any]]:
    with open(path) as lines:
        return [json.loads(line) for line in lines if line.strip()]


def epoch_rows(plan: TrainingPlan) -> Dataset:
    """All epochs' rows in training order (see the module docstring)."""
    rows = _read(plan.train_file)
    per_epoch = min(len(rows), plan.max_steps_per_epoch * plan.batch_size * plan.gradient_accumulation_steps)
    ordered: list[dict[str, Any]] = []
    for epoch in range(plan.n_epochs):
        indices = list(range(len(rows)))
        if plan.shuffle:
            random.Random(plan.seed + epoch).shuffle(indices)
        ordered += [rows[i] for i in indices[:per_epoch]]
    return Dataset.from_list(ordered)


def validation_rows(plan: TrainingPlan) -> Dataset:
    """Validation rows (the training rows when no validation set was given), max_validation_steps batches."""
    rows = _read(plan.validation_file or plan.train_file)
    return Dataset.from_list(rows[: plan.max_validation_steps * plan.batch_size])


# -- progress -------------------------------------------------------------------------------------


class ReporterCallback(TrainerCallback):
    """Reports each step (loss, tokens/s, ETA) and, at each epoch's end, validates and checkpoints."""

    def __init__(self, plan: TrainingPlan, reporter: Any, runtime: Runtime) -> None:
        self.plan = plan
        self.reporter = reporter
        self.runtime = runtime
        self.trainer: Any = None
        self.steps_per_epoch = 1
        self.started = time.monotonic()
        self.epoch_losses: list[float] = []
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.checkpoints: list[Path] = []

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.steps_per_epoch = max(1, math.ceil(state.max_steps / self.plan.n_epochs))
        self.started = time.monotonic()
        where = self.runtime.device
        if self.runtime.world_size > 1:  # as accelerate set it up: MULTI_CPU / MULTI_GPU (DDP) or FSDP
            where += f", {self.runtime.world_size} processes, {self.trainer.accelerator.distributed_type.value}"
        self.reporter.log(f"training: {state.max_steps} steps, {self.plan.n_epochs} epoch(s) on {where}")

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if not logs or "loss" not in logs:  # evaluation and end-of-training summaries
            return
        step, total = state.global_step, state.max_steps
        values = {k: float(v) for k, v in logs.items() if isinstance(v, int | float)}
        self.first = self.first or values
        self.last = values
        self.epoch_losses.append(values["loss"])
        elapsed = time.monotonic() - self.started
        tokens = values.get("num_tokens")
        progress = {
            "step": step,
            "total_steps": total,
            "epoch": min(self.plan.n_epochs, (step - 1) // self.steps_per_epoch + 1),
            "loss": values["loss"],
            "learning_rate": values.get("learning_rate"),
            "tokens": int(tokens) if tokens else None,
            "tokens_per_second": round(tokens / elapsed, 1) if tokens and elapsed > 0 else None,
            "elapsed_seconds": round(elapsed, 1),
            "eta_seconds": round(elapsed / step * (total - step), 1) if step else None,
            "resources": self.runtime.describe(),
        }
        self.reporter.progress(**progress)
        rate = f", {progress['tokens_per_second']} tok/s" if progress["tokens_per_second"] else ""
        self.reporter.log(f"step {step}/{total} loss {values['loss']:.4f}{rate}")
        if step % self.steps_per_epoch == 0 or step == total:
            self._end_epoch(progress["epoch"])

    def _end_epoch(self, epoch: int) -> None:
        validation_loss = float(self.trainer.evaluate()["eval_loss"])
        train_loss = sum(self.epoch_losses) / len(self.epoch_losses)
        self.epoch_losses = []
        path = Path(self.plan.output_dir) / f"epoch-{epoch}"
        self.trainer.save_model(str(path))  # weights and tokenizer; with several processes, rank 0 writes them
        self.checkpoints.append(path)
        metrics = {
            "epoch": epoch,
            "train_loss": train_loss,
            "validation_loss": validation_loss,
            "perplexity": math.exp(min(validation_loss, 50.0)),
        }
        self.reporter.artifact(
            {
                "type": "checkpoint",
                "identifier": f"{self.plan.job_uuid}/epoch-{epoch}",
                "created_at": _now(),
                "epoch": epoch,
                "post_training_job_id": self.plan.job_uuid,
                "path": str(path),
                "training_metrics": metrics,
            }
        )
        self.reporter.log(f"epoch {epoch}: train loss {train_loss:.4f}, validation loss {validation_loss:.4f}")


# -- the run --------------------------------------------------------------------------------------


def _common_args(plan: TrainingPlan, runtime: Runtime) -> dict[str, Any]:
    per_device = plan.batch_size // runtime.world_size  # each step still sees batch_size rows in all
    return {
        "output_dir": plan.output_dir,
        "num_train_epochs": 1,  # the epochs are laid out in the dataset
        "per_device_train_batch_size": per_device,
        "per_device_eval_batch_size": per_device,
        "gradient_accumulation_steps": plan.gradient_accumulation_steps,
        "learning_rate": plan.optimizer.lr,
        "weight_decay": plan.optimizer.weight_decay,
        "warmup_steps": plan.optimizer.num_warmup_steps,
        "lr_scheduler_type": "linear",
        "train_sampling_strategy": "sequential",
        "logging_steps": 1,
        "save_strategy": "no",
        "eval_strategy": "no",
        "report_to": "none",
        "disable_tqdm": True,
        "seed": plan.seed,
        "bf16": runtime.bf16,
        "fp16": runtime.fp16,
        "use_cpu": runtime.device == "cpu",
        # FSDP checkpoints inside its wrapped layers (fsdp_config); the Trainer's flag would all-gather twice
        "activation_checkpointing": plan.gradient_checkpointing and not runtime.fsdp,
        "activation_offloading": plan.parallel.activation_offloading,  # TRL moves activations to CPU memory
        "max_length": plan.max_length,
        **_parallel_args(plan, runtime),
    }


def _parallel_args(plan: TrainingPlan, runtime: Runtime) -> dict[str, Any]:
    """DDP (accelerate's default with several processes) or FSDP2, one decoder layer per shard unit."""
    if runtime.world_size == 1:
        return {}
    args: dict[str, Any] = {
        "ddp_backend": "nccl" if runtime.device == "cuda" else "gloo",
        "ddp_find_unused_parameters": False,  # every trainable weight gets a gradient (spares a graph walk)
    }
    if runtime.fsdp:
        args["fsdp"] = True
        args["fsdp_config"] = {
            "version": 2,
            "auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
            "reshard_after_forward": True,
            "cpu_offload": plan.parallel.fsdp_cpu_offload,
            "activation_checkpointing": plan.gradient_checkpointing,
        }
    return args


def _peft_config(plan: TrainingPlan) -> Any:
    if plan.adapter is None:
        return None
    from peft import LoraConfig

    return LoraConfig(
        r=plan.adapter.rank,
        lora_alpha=plan.adapter.alpha,
        target_modules=plan.adapter.target_modules,
        use_dora=plan.adapter.use_dora,
        lora_dropout=0.0,  # short runs on small data: every step counts, and results are reproducible
        task_type="CAUSAL_LM",
    )


def build_trainer(plan: TrainingPlan, model: Any, tokenizer: Any, runtime: Runtime) -> Any:
    train_rows, eval_rows = epoch_rows(plan), validation_rows(plan)
    common = {
        "model": model,
        "processing_class": tokenizer,
        "train_dataset": train_rows,
        "eval_dataset": eval_rows,
        "peft_config": _peft_config(plan),
    }
    if plan.method == "dpo":
        from trl import DPOConfig, DPOTrainer

        assert plan.preference is not None
        args = DPOConfig(
            **_common_args(plan, runtime), beta=plan.preference.beta, loss_type=[plan.preference.loss_type]
        )
        return _with_optimizer(DPOTrainer(args=args, **common), plan)
    from trl import SFTConfig, SFTTrainer

    args = SFTConfig(
        **_common_args(plan, runtime),
        packing=plan.packed,
        # prompt/completion rows: loss on completions only; train_on_input rows are plain messages
        completion_only_loss=None if not plan.train_on_input else False,
    )
    return _with_optimizer(SFTTrainer(args=args, **common), plan)


def _with_optimizer(trainer: Any, plan: TrainingPlan) -> Any:
    """The API's optimizer (the Trainer builds it over the trainable parameters at the first step).
    Set as an attribute: DPOTrainer does not pass ``optimizer_cls_and_kwargs`` on to the Trainer."""
    trainer.optimizer_cls_and_kwargs = (OPTIMIZERS[plan.optimizer.optimizer_type], {"lr": plan.optimizer.lr})
    return trainer


def _upcast_adapters(model: Any) -> None:
    """TRL casts a quantized model's adapters to bf16; CPUs without bf16 units train them far faster in fp32."""
    for param in model.parameters():
        if param.requires_grad and param.dtype != torch.float32:
            param.data = param.data.float()


def _finish(plan: TrainingPlan, base: Path, last: Path, runtime: Runtime, tokenizer: Any) -> dict[str, str]:
    """How to serve the result: base + adapter, or full weights (merged for DoRA and stacked adapters)."""
    if plan.adapter is None:
        return {"path": str(last)}
    if not plan.adapter.use_dora and not plan.base.adapter_path:
        return {"adapter_path": str(last), "base_model": str(base)}
    from peft import PeftModel

    merged_dir = Path(plan.output_dir) / "merged"
    model = PeftModel.from_pretrained(load_model(plan, base, runtime, quantize=False), last).merge_and_unload()
    model.save_pretrained(merged_dir, safe_serialization=True)
    tokenizer.save_pretrained(merged_dir)
    return {"path": str(merged_dir)}


def train(plan: TrainingPlan, reporter: Any) -> TrainingResult | None:
    """Trains in this process; with several, every rank calls it and rank 0 alone returns the result."""
    runtime = Runtime(plan)
    torch.manual_seed(plan.seed)
    reporter.progress(stage="loading model", resources=runtime.describe())
    base = base_folder(plan, reporter)
    tokenizer = load_tokenizer(base)
    quantize = bool(plan.adapter and plan.adapter.quantize_base)
    model = load_model(plan, base, runtime, quantize)
    if runtime.device == "cuda" and not quantize:
        model.to("cuda")
    reporter.log(f"loaded {base} ({sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters)")
    trainer = build_trainer(plan, model, tokenizer, runtime)
    if quantize and runtime.compute_dtype == torch.float32:
        _upcast_adapters(trainer.model)
    callback = ReporterCallback(plan, reporter, runtime)
    callback.trainer = trainer
    trainer.add_callback(callback)
    trainer.train()
    if not callback.checkpoints:
        raise RuntimeError("training ran no step: the dataset is smaller than one batch")
    if runtime.rank != 0:
        return None
    serve = _finish(plan, base, callback.checkpoints[-1], runtime, tokenizer)
    return TrainingResult(
        path=serve.get("path") or serve["adapter_path"],
        serve=serve,
        base_model=str(base),
        steps=trainer.state.global_step,
        metrics=callback.last,
        first_metrics=callback.first,
    )
