"""A word-level Markov chain: train on text, then sample words one at a time."""

import random
import re
from collections import defaultdict
from collections.abc import Iterator

_WORD = re.compile(r"\S+")


class MarkovChain:
    def __init__(self, text: str, order: int) -> None:
        self.order = order
        words = _WORD.findall(text)
        if len(words) <= order:
            raise ValueError(f"the corpus needs more than {order} words")
        self.words = words
        self.transitions: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for i in range(len(words) - order):
            self.transitions[tuple(words[i : i + order])].append(words[i + order])

    def generate(self, prompt: str, max_words: int, seed: int | None, temperature: float) -> Iterator[str]:
        """Continue from the prompt's last words (or a random start when the chain never saw them)."""
        rng = random.Random(seed)
        state = tuple(_WORD.findall(prompt)[-self.order :])
        if state not in self.transitions:
            start = rng.randrange(len(self.words) - self.order)
            state = tuple(self.words[start : start + self.order])
        for _ in range(max_words):
            choices = self.transitions.get(state)
            if not choices:
                return
            # temperature 0: always the most frequent successor (deterministic)
            word = max(set(choices), key=lambda w: (choices.count(w), w)) if temperature == 0 else rng.choice(choices)
            yield word
            state = (*state[1:], word)
