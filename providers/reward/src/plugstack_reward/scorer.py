"""A loaded sequence-classification reward model, scoring conversations in batches.

Everything here blocks (disk, forward passes) and runs on the model's worker thread. The text of
a pair is the tokenizer's chat template over dialog + generation, as TRL's RewardTrainer builds
it from conversational preference data; the score is the model's single logit.
"""

from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from plugstack_reward.config import TransformersRewardConfig

Conversation = list[dict[str, str]]


class RewardScorer:
    def __init__(self, path: Path, config: TransformersRewardConfig, device: str, dtype: str) -> None:
        if config.num_threads is not None:
            torch.set_num_threads(config.num_threads)
        self.config = config
        self.device = device
        self.tokenizer: Any = AutoTokenizer.from_pretrained(path, local_files_only=True)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.tokenizer.truncation_side = "left"  # a long pair keeps its end: the reply being scored
        self.model: Any = AutoModelForSequenceClassification.from_pretrained(
            path, local_files_only=True, dtype=getattr(torch, dtype)
        )
        # the model finds each sequence's last token by the pad id, so it must agree with the tokenizer
        self.model.config.pad_token_id = self.tokenizer.pad_token_id
        self.model.to(device)
        self.model.eval()

    def _text(self, conversation: Conversation) -> str:
        if self.tokenizer.chat_template:
            return self.tokenizer.apply_chat_template(conversation, tokenize=False)
        return "\n".join(f"{turn['role']}: {turn['content']}" for turn in conversation) + self.tokenizer.eos_token

    def score(self, conversations: list[Conversation]) -> list[float]:
        texts = [self._text(conversation) for conversation in conversations]
        scores: list[float] = []
        size = self.config.batch_size
        for start in range(0, len(texts), size):
            batch = self.tokenizer(
                texts[start : start + size],
                padding=True,
                truncation=True,
                max_length=self.config.max_length,
                add_special_tokens=False,  # the chat template already placed them
                return_tensors="pt",
            ).to(self.device)
            with torch.inference_mode():
                logits = self.model(**batch).logits
            scores.extend(logits[:, 0].float().tolist())
        return scores
