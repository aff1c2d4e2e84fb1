"""The rows a run saves: SFT dialogs per kept candidate, one DPO pair per dialog."""

from plugstack.apis.inference.models import ChatMessage
from plugstack.apis.reward_scoring.models import ScoredMessage
from plugstack_synthetic_data.saving import preference_row, sft_rows

DIALOG = [
    ChatMessage(role="system", content="Be brief."),
    ChatMessage(role="user", content=[{"type": "text", "text": "Hi"}]),  # text parts are joined
]
PROMPT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]


def scored(text: str, score: float) -> ScoredMessage:
    return ScoredMessage(message=ChatMessage(role="assistant", content=text), score=score)


def test_sft_rows_are_the_dialog_and_each_kept_candidate() -> None:
    rows = sft_rows(DIALOG, [scored("Hello!", 9), scored("Hey.", 7)])
    assert rows == [
        {"messages": [*PROMPT, {"role": "assistant", "content": "Hello!"}]},
        {"messages": [*PROMPT, {"role": "assistant", "content": "Hey."}]},
    ]
    assert sft_rows(DIALOG, []) == []


def test_preference_pair_is_best_kept_against_worst_generated() -> None:
    generated = [scored("Hello!", 9), scored("Hey.", 7), scored("Go away.", 1)]
    assert preference_row(DIALOG, generated[:1], generated) == {
        "prompt": PROMPT,
        "chosen": "Hello!",
        "rejected": "Go away.",
    }


def test_no_pair_without_a_kept_candidate_or_a_difference() -> None:
    assert preference_row(DIALOG, [], [scored("Hello!", 9), scored("Bye.", 1)]) is None
    same = [scored("Hello!", 9), scored(" Hello! ", 2)]
    assert preference_row(DIALOG, same[:1], same) is None
