"""`inline::trl`: checks a request, prepares its data, and runs the training as a core job.

The server process stays light: rows are read through the datasetio API and written as JSONL
for the job; torch, TRL and PEFT are imported only in the job's child process
(`plugstack_trl.job`). When a job completes, its result is registered as a model with the
stack's inline::transformers provider, so clients can chat with it at once.
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from plugstack.apis.datasetio.models import IterRowsRequest
from plugstack.apis.ids import confine
from plugstack.apis.models import RegisterModelRequest
from plugstack.apis.names import Api
from plugstack.apis.post_training.jobs import JOB_KIND, PostTrainingJobs
from plugstack.apis.post_training.models import (
    DataConfig,
    EfficiencyConfig,
    JobArtifactsResponse,
    JobLogLine,
    JobLogsParams,
    JobLogsResponse,
    JobRequest,
    JobStatusResponse,
    ListPostTrainingJobsResponse,
    LoraFinetuningConfig,
    PostTrainingJob,
    PreferenceOptimizeRequest,
    ServedModel,
    SupervisedFineTuneRequest,
    TrainingConfig,
)
from plugstack.errors import BadRequestError, ConflictError, NotFoundError, PlugstackError
from plugstack.jobs.models import Job, JobStatus
from plugstack.spec import ProviderContext
from plugstack_trl import data, weights
from plugstack_trl.config import TrlConfig
from plugstack_trl.plan import AdapterPlan, OptimizerPlan, ParallelPlan, PreferencePlan, TrainingPlan

JOB_TARGET = "plugstack_trl.job:run"
SERVING_PROVIDER_TYPE = "inline::transformers"
PAGE_ROWS = 1000
DTYPES = {"bf16": "bf16", "bfloat16": "bf16", "fp16": "fp16", "float16": "fp16", "fp32": "fp32", "float32": "fp32"}
# What TRL 1.x implements of the API's DPO losses ("kto_pair" left DPO for TRL's KTOTrainer).
DPO_LOSSES = {"sigmoid": "sigmoid", "hinge": "hinge", "ipo": "ipo"}
PREFERENCE_TARGETS = ["q_proj", "v_proj"]


def served_model_id(job_uuid: str) -> str:
    return f"ft:{job_uuid}"


class TrlPostTraining:
    def __init__(self, config: TrlConfig, context: ProviderContext) -> None:
        self.config = config
        self._context = context
        self._datasetio = context.deps[Api.datasetio]
        self._jobs = PostTrainingJobs(context.jobs, context.provider_id, served=self._served_model)
        self._checkpoints = (config.checkpoint_dir or context.state_dir / "checkpoints").expanduser()
        self._base_cache = (config.base_model_cache or context.state_dir / "base-models").expanduser()
        self._watchers: set[asyncio.Task[None]] = set()
        self._registering: set[str] = set()
        context.jobs.on_adopted(JOB_KIND, self._adopted)

    # -- starting jobs ----------------------------------------------------------------------

    async def supervised_fine_tune(self, request: SupervisedFineTuneRequest) -> PostTrainingJob:
        algorithm = request.algorithm_config
        if algorithm is not None and not isinstance(algorithm, LoraFinetuningConfig):
            raise BadRequestError(
                "algorithm_config: QAT (quantization-aware training) is not supported by inline::trl; "
                "use type 'LoRA' (with use_dora or quantize_base) or omit algorithm_config for full fine-tuning"
            )
        if not request.model:
            raise BadRequestError("model: name a registered model or a local HF model folder to fine-tune")
        adapter = _adapter_plan(algorithm) if algorithm is not None else None
        return await self._start(
            request.job_uuid, "sft", request.model, "model", request.training_config, request.checkpoint_dir, adapter
        )

    async def preference_optimize(self, request: PreferenceOptimizeRequest) -> PostTrainingJob:
        loss = DPO_LOSSES.get(request.algorithm_config.loss_type)
        if loss is None:
            raise BadRequestError(
                f"algorithm_config.loss_type: {request.algorithm_config.loss_type!r} is not supported by TRL's DPO "
                f"trainer (TRL moved KTO to a trainer for unpaired data); use one of: {', '.join(DPO_LOSSES)}"
            )
        rank = self.config.preference_lora_rank
        adapter = AdapterPlan(rank=rank, alpha=2 * rank, target_modules=PREFERENCE_TARGETS) if rank else None
        preference = PreferencePlan(beta=request.algorithm_config.beta, loss_type=loss)
        return await self._start(
            request.job_uuid,
            "dpo",
            request.finetuned_model,
            "finetuned_model",
            request.training_config,
            request.checkpoint_dir,
            adapter,
            preference,
        )

    async def _start(
        self,
        job_uuid: str,
        method: str,
        model: str,
        model_field: str,
        training: TrainingConfig,
        checkpoint_dir: str | None,
        adapter: AdapterPlan | None,
        preference: PreferencePlan | None = None,
    ) -> PostTrainingJob:
        with contextlib.suppress(NotFoundError):
            await self._context.jobs.get(job_uuid)
            raise ConflictError(f"job {job_uuid!r} already exists")
        data_config = training.data_config
        if data_config is None:
            raise BadRequestError("training_config.data_config: a training dataset is required")
        dtype = DTYPES.get((training.dtype or "fp32").lower())
        if dtype is None:
            raise BadRequestError(f"training_config.dtype: {training.dtype!r} is not one of {', '.join(DTYPES)}")
        parallel = self._parallel_plan(training.efficiency_config, data_config.batch_size)
        output_root = self._checkpoint_root(checkpoint_dir)
        base = weights.resolve(model, self._context.registry.get("models"), model_field)
        job_dir = self._context.state_dir / "jobs" / job_uuid
        train_file, validation_file = await self._write_rows(job_dir, method, data_config)
        optimizer = training.optimizer_config
        plan = TrainingPlan(
            job_uuid=job_uuid,
            method=method,  # type: ignore[arg-type]
            base=base,
            base_cache=str(self._base_cache),
            adapter=adapter,
            preference=preference,
            train_file=str(train_file),
            validation_file=str(validation_file) if validation_file else None,
            output_dir=str(output_root / job_uuid),
            n_epochs=training.n_epochs,
            max_steps_per_epoch=training.max_steps_per_epoch,
            gradient_accumulation_steps=training.gradient_accumulation_steps,
            batch_size=data_config.batch_size,
            shuffle=data_config.shuffle,
            max_validation_steps=training.max_validation_steps or 1,
            packed=bool(data_config.packed),
            train_on_input=bool(data_config.train_on_input),
            optimizer=OptimizerPlan(**optimizer.model_dump()) if optimizer else OptimizerPlan(),
            dtype=dtype,  # type: ignore[arg-type]
            gradient_checkpointing=bool(
                training.efficiency_config and training.efficiency_config.enable_activation_checkpointing
            ),
            device=self.config.device,
            num_threads=self.config.num_threads,
            parallel=parallel,
            max_length=self.config.max_length,
            seed=self.config.seed,
        )
        job = await self._jobs.submit(job_uuid, JOB_TARGET, {"plan": plan.model_dump(mode="json"), "model": model})
        self._watch(job_uuid, model)
        return job

    def _watch(self, job_uuid: str, model: str) -> None:
        self._registering.add(job_uuid)
        watcher = asyncio.create_task(self._serve_when_done(job_uuid, model))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)

    def _adopted(self, job: Job) -> None:
        """A job of this provider that a server now gone started on the Ray cluster: its model is
        served once it completes, as if submitted here."""
        if job.params.get("provider_id") == self._context.provider_id:
            self._watch(job.id, job.params["model"])

    def _parallel_plan(self, efficiency: EfficiencyConfig | None, batch_size: int) -> ParallelPlan:
        """The configured process count, with FSDP and offloading as the request's efficiency_config asks."""
        efficiency = efficiency or EfficiencyConfig()
        processes = self.config.num_processes
        if processes != "auto" and batch_size % processes:
            raise BadRequestError(
                f"training_config.data_config.batch_size: {batch_size} rows do not split evenly over the "
                f"{processes} training processes (provider config num_processes)"
            )
        fsdp = bool(efficiency.memory_efficient_fsdp_wrap or efficiency.fsdp_cpu_offload)
        if fsdp and (processes == 1 or self.config.device == "cpu"):
            raise BadRequestError(
                "training_config.efficiency_config: FSDP (memory_efficient_fsdp_wrap, fsdp_cpu_offload) shards a "
                "model over several CUDA GPUs (accelerate runs FSDP on GPUs only); this provider trains with "
                f"num_processes {processes} on device {self.config.device}. On CPU, several processes train with "
                "DDP: leave both settings false"
            )
        return ParallelPlan(
            num_processes=processes,
            fsdp=fsdp,
            fsdp_cpu_offload=bool(efficiency.fsdp_cpu_offload),
            activation_offloading=bool(efficiency.enable_activation_offloading),
        )

    def _checkpoint_root(self, requested: str | None) -> Path:
        """A request's checkpoint_dir must lie under the stack's state dir or the configured checkpoint dir."""
        if requested is None:
            return self._checkpoints
        return confine(requested, [self._context.stack_state_dir, self._checkpoints], "checkpoint_dir")

    async def _write_rows(self, job_dir: Path, method: str, config: DataConfig) -> tuple[Path, Path | None]:
        """Normalised rows as JSONL files for the job (a 400 naming row and column on a bad row)."""
        job_dir.mkdir(parents=True, exist_ok=True)
        files: list[Path | None] = []
        for name, dataset_id in (("train", config.dataset_id), ("validation", config.validation_dataset_id)):
            if dataset_id is None:
                files.append(None)
                continue
            rows = await self._rows(dataset_id)
            if not rows:
                raise BadRequestError(f"data_config: dataset {dataset_id!r} has no rows")
            if method == "dpo":
                normalized = [data.preference_row(row, dataset_id, i) for i, row in enumerate(rows)]
            else:
                train_on_input = bool(config.train_on_input)
                normalized = [
                    data.sft_row(row, config.data_format, train_on_input, dataset_id, i) for i, row in enumerate(rows)
                ]
            path = job_dir / f"{name}.jsonl"
            path.write_text("".join(json.dumps(row) + "\n" for row in normalized))
            files.append(path)
        return files[0], files[1]  # type: ignore[return-value]

    async def _rows(self, dataset_id: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        while True:
            request = IterRowsRequest(dataset_id=dataset_id, start_index=len(rows), limit=PAGE_ROWS)
            page = await self._datasetio.iterrows(request)
            rows += page.data
            if not page.has_more or not page.data:
                return rows

    # -- serving the result -----------------------------------------------------------------

    async def _serve_when_done(self, job_uuid: str, model: str) -> None:
        """Registers the result once the job completes; until then a completed job reads 'registering'."""
        job = await self._context.jobs.wait(job_uuid)
        if job.status != JobStatus.completed or not isinstance(job.result, dict):
            self._registering.discard(job_uuid)
            return
        try:
            served = await self._register(job_uuid, model, job.result)
            await self._context.kv.set(f"served:{job_uuid}", served.model_dump_json())
        finally:
            self._registering.discard(job_uuid)

    async def _register(self, job_uuid: str, model: str, result: dict[str, Any]) -> ServedModel:
        models = self._context.registry.get("models")
        candidates = models.provider_ids(SERVING_PROVIDER_TYPE) if models is not None else []
        provider_id = self.config.serve_provider_id or (candidates[0] if candidates else None)
        where = result.get("path") or result.get("adapter_path")
        if provider_id is None:
            return ServedModel(
                state="not_served",
                error=f"not served: this stack has no {SERVING_PROVIDER_TYPE} inference provider to serve it; "
                f"the trained weights are in {where}",
            )
        request = RegisterModelRequest(
            model_id=served_model_id(job_uuid),
            provider_id=provider_id,
            metadata={**result["serve"], "post_training_job": job_uuid, "fine_tuned_from": model},
        )
        try:
            registered = await models.register(request)
        except Exception as exc:  # noqa: BLE001 - the reason is the job's served_model, for the client to read
            reason = exc.detail if isinstance(exc, PlugstackError) else f"{type(exc).__name__}: {exc}"
            return ServedModel(
                state="not_served", provider_id=provider_id, error=f"not served: {reason}; the weights are in {where}"
            )
        return ServedModel(state="served", model_id=registered.identifier, provider_id=provider_id)

    async def _served_model(self, job_uuid: str) -> ServedModel | None:
        raw = await self._context.kv.get(f"served:{job_uuid}")
        if raw:
            return ServedModel.model_validate_json(raw)
        return ServedModel(state="registering") if job_uuid in self._registering else None

    # -- the job half of the API ------------------------------------------------------------

    async def list_jobs(self) -> ListPostTrainingJobsResponse:
        return await self._jobs.list_jobs()

    async def job_status(self, request: JobRequest) -> JobStatusResponse:
        return await self._jobs.job_status(request)

    async def job_artifacts(self, request: JobRequest) -> JobArtifactsResponse:
        return await self._jobs.job_artifacts(request)

    async def cancel_job(self, request: JobRequest) -> None:
        await self._jobs.cancel_job(request)

    async def job_logs(self, request: JobLogsParams) -> JobLogsResponse:
        return await self._jobs.job_logs(request)

    def follow_job_logs(self, request: JobLogsParams) -> AsyncIterator[JobLogLine]:
        return self._jobs.follow_job_logs(request)

    async def shutdown(self) -> None:
        for watcher in list(self._watchers):
            watcher.cancel()


def _adapter_plan(config: LoraFinetuningConfig) -> AdapterPlan:
    targets = list(config.lora_attn_modules)
    if config.apply_lora_to_mlp:
        targets += ["gate_proj", "up_proj", "down_proj"]
    if config.apply_lora_to_output:
        targets.append("lm_head")
    if not targets:
        raise BadRequestError("algorithm_config: LoRA needs lora_attn_modules, apply_lora_to_mlp or _output")
    return AdapterPlan(
        rank=config.rank,
        alpha=config.alpha,
        target_modules=targets,
        use_dora=bool(config.use_dora),
        quantize_base=bool(config.quantize_base),
    )
