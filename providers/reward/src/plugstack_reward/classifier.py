"""`inline::transformers-reward`: a sequence-classification reward model from a local HF folder.

The reward model's ``provider_resource_id`` is the folder (what TRL's RewardTrainer saves: a
``*ForSequenceClassification`` with one label). Registration checks the folder's config without
loading; the weights load on the first score, once per folder, on the model's own worker thread,
and every (dialog, generation) pair of a request is scored there in batches, off the event loop.
"""

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

from plugstack.apis.inference.models import ChatMessage
from plugstack.apis.inference.worker import ModelWorker
from plugstack.apis.reward_scoring.models import DialogGenerations, RewardModel
from plugstack.engines.torch_device import resolve_device
from plugstack.errors import BadRequestError
from plugstack_reward.config import TransformersRewardConfig

if TYPE_CHECKING:  # torch and transformers load with the first model, not with the stack
    from plugstack_reward.scorer import RewardScorer

FOLDER_FIELD = "provider_model_id"


def _path(resource: RewardModel) -> Path:
    return Path(resource.provider_resource_id or resource.identifier).expanduser().resolve()


def reward_folder(resource: RewardModel) -> Path:
    """The resource's folder, checked to hold a one-label sequence classifier (400 naming the field)."""
    path = _path(resource)
    try:
        config = json.loads((path / "config.json").read_text())
    except (OSError, ValueError) as exc:
        raise BadRequestError(f"{FOLDER_FIELD}: {str(path)!r} is no model folder with a config.json ({exc})") from None
    architectures = config.get("architectures") or []
    labels = len(config.get("id2label") or {}) or config.get("num_labels", 2)
    if not any(name.endswith("ForSequenceClassification") for name in architectures) or labels != 1:
        raise BadRequestError(
            f"{FOLDER_FIELD}: {str(path)!r} holds {', '.join(architectures) or 'no architecture'} with {labels} "
            "labels; a reward model is a *ForSequenceClassification with num_labels=1 (TRL's RewardTrainer output)"
        )
    return path


def _turn(message: ChatMessage) -> dict[str, str]:
    return {"role": message.role, "content": message.text()}


class TransformersReward:
    def __init__(self, config: TransformersRewardConfig) -> None:
        self.config = config
        self._device: tuple[str, str] | None = None
        self._workers: dict[Path, ModelWorker] = {}
        self._scorers: dict[Path, RewardScorer] = {}
        self._loading: dict[Path, asyncio.Lock] = {}

    async def register_resource(self, resource: RewardModel) -> None:
        reward_folder(resource)

    async def unregister_resource(self, resource: RewardModel) -> None:
        path = _path(resource)
        self._scorers.pop(path, None)
        worker = self._workers.pop(path, None)
        if worker is not None:
            await worker.close()

    async def _scorer(self, path: Path) -> tuple[ModelWorker, "RewardScorer"]:
        async with self._loading.setdefault(path, asyncio.Lock()):
            if path not in self._workers:
                self._workers[path] = ModelWorker(path.name, self.config.max_queued_requests)
            worker = self._workers[path]
            if path not in self._scorers:

                def load() -> "RewardScorer":  # on the worker thread: importing torch takes seconds
                    from plugstack_reward.scorer import RewardScorer

                    if self._device is None:
                        self._device = resolve_device(self.config.device, self.config.dtype)
                    return RewardScorer(path, self.config, *self._device)

                self._scorers[path] = await worker.call(load)
            return worker, self._scorers[path]

    async def score(self, reward_model: RewardModel, prompt_generations: list[DialogGenerations]) -> list[list[float]]:
        worker, scorer = await self._scorer(reward_folder(reward_model))
        dialogs = [[_turn(message) for message in entry.dialog] for entry in prompt_generations]
        pairs = [
            [*dialog, _turn(reply)]
            for dialog, entry in zip(dialogs, prompt_generations, strict=True)
            for reply in entry.k_generations
        ]
        flat = await worker.call(lambda: scorer.score(pairs))
        grouped, start = [], 0
        for entry in prompt_generations:
            grouped.append(flat[start : start + len(entry.k_generations)])
            start += len(entry.k_generations)
        return grouped

    async def shutdown(self) -> None:
        for worker in self._workers.values():
            await worker.close()
        self._scorers.clear()
