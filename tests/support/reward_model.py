"""A real reward model for tests and benchmarks: SmolLM2 trained by TRL's RewardTrainer, in seconds.

The preference is obvious on purpose (a helpful answer over a rude refusal), so a few steps on the
score head and the last decoder layers learn it; the rest of the model stays frozen, which keeps
training well under a minute on 2 CPU cores. The folder is cached by recipe, so a session trains
at most once per machine. ``python -m tests.support.reward_model OUT`` trains into OUT (the
fixtures run it in a child process, so torch's memory and threads leave with it).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.models import smollm2_gguf, smollm2_hf_dir

QUESTIONS = [
    "What is the capital of France?",
    "How many legs does a spider have?",
    "What colour is the sky on a clear day?",
    "How do I boil an egg?",
    "What is 7 times 6?",
    "Which planet is closest to the sun?",
    "What do bees make?",
    "How many days are in a week?",
]
ANSWERS = [
    "The capital of France is Paris.",
    "A spider has eight legs.",
    "On a clear day the sky is blue.",
    "Put the egg in boiling water for about eight minutes, then cool it in cold water.",
    "7 times 6 is 42.",
    "Mercury is the planet closest to the sun.",
    "Bees make honey and beeswax.",
    "A week has seven days.",
]
RUDE = ["Figure it out yourself, idiot.", "Stop bothering me with stupid questions.", "Shut up. I won't help you."]
# Held out from training: a new question, its helpful answer, and a rude refusal in new words.
HELD_OUT_QUESTION = "How many minutes are in an hour?"
HELD_OUT_CHOSEN = "An hour has sixty minutes."
HELD_OUT_REJECTED = "Go away, you are wasting my time, moron."

MAX_LENGTH = 64
STEPS = 6
TRAINED_LAYERS = 2  # the last decoder layers trained with the score head; the rest stays frozen
RECIPE = {"version": 1, "steps": STEPS, "max_length": MAX_LENGTH, "layers": TRAINED_LAYERS, "lr": 1e-3}


def preference_rows() -> list[dict[str, list[dict[str, str]]]]:
    """Conversational preference pairs (prompt, chosen, rejected), as RewardTrainer takes them."""
    return [
        {
            "prompt": [{"role": "user", "content": question}],
            "chosen": [{"role": "assistant", "content": answer}],
            "rejected": [{"role": "assistant", "content": RUDE[index % len(RUDE)]}],
        }
        for index, (question, answer) in enumerate(zip(QUESTIONS, ANSWERS, strict=True))
    ]


def train(out: Path) -> Path:
    """Train the reward model into ``out`` (an HF folder: *ForSequenceClassification, one label)."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from trl import RewardConfig, RewardTrainer

    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        base = smollm2_hf_dir(Path(tmp) / "base")
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1, dtype=torch.float32)
    for parameter in model.parameters():
        parameter.requires_grad = False
    trained = [model.score, model.model.norm, *model.model.layers[-TRAINED_LAYERS:]]
    for module in trained:
        for parameter in module.parameters():
            parameter.requires_grad = True
    args = RewardConfig(
        output_dir=str(out / "checkpoints"),
        per_device_train_batch_size=4,
        max_steps=STEPS,
        learning_rate=RECIPE["lr"],
        max_length=MAX_LENGTH,
        bf16=False,
        use_cpu=not torch.cuda.is_available(),
        gradient_checkpointing=False,
        logging_steps=4,
        save_strategy="no",
        report_to="none",
        seed=0,
    )
    trainer = RewardTrainer(
        model=model, args=args, train_dataset=Dataset.from_list(preference_rows()), processing_class=tokenizer
    )
    trainer.train()
    trainer.save_model(str(out))
    tokenizer.save_pretrained(out)
    shutil.rmtree(out / "checkpoints", ignore_errors=True)
    return out


def cached_reward_model(cache_root: Path) -> Path:
    """The trained folder under ``cache_root``, keyed by recipe, data and base model; trained in a
    child process the first time and moved into place whole, so a crash leaves no half folder."""
    gguf = smollm2_gguf()
    key = json.dumps([RECIPE, preference_rows(), gguf.name, gguf.stat().st_size], sort_keys=True)
    folder = cache_root / f"reward-smollm2-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    if (folder / "config.json").is_file():
        return folder
    cache_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".training-", dir=cache_root))
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "TOKENIZERS_PARALLELISM": "false"}
    subprocess.run([sys.executable, "-m", "tests.support.reward_model", str(staging)], check=True, env=env)
    try:
        staging.rename(folder)
    except OSError:  # another session finished first: keep its folder
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def default_cache_root() -> Path:
    """``$PLUGSTACK_CACHE_DIR`` or ``~/.cache/plugstack``, under ``test-models``."""
    root = os.environ.get("PLUGSTACK_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache") / "plugstack"
    return Path(root).expanduser() / "test-models"


if __name__ == "__main__":
    train(Path(sys.argv[1]))
