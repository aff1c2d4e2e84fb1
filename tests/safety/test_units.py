"""The safety providers' pure parts: checksums, the verdict grammar and its parser, the prompt."""

import pytest

from plugstack.apis.inference.models import ChatMessage
from plugstack.errors import BadRequestError
from plugstack_safety.detectors import DETECTORS, iban_valid, luhn_valid
from plugstack_safety.llama_guard import CATEGORIES, build_prompt, parse_verdict, verdict_grammar


@pytest.mark.parametrize(
    ("number", "valid"),
    [("4111 1111 1111 1111", True), ("5500-0000-0000-0004", True), ("4111111111111112", False), ("1234", False)],
)
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(
    ("iban", "valid"),
    [("GB82 WEST 1234 5698 7654 32", True), ("DE89370400440532013000", True), ("GB82WEST12345698765433", False)],
)
def test_iban(iban: str, valid: bool) -> None:
    assert iban_valid(iban) is valid


def test_detectors_ignore_look_alikes() -> None:
    assert DETECTORS["credit_card"]("order 2024 0101 1234 5678 arrived") == 0
    assert DETECTORS["email"]("write to a.b+c@mail.example.co.uk today") == 1
    assert DETECTORS["secret_key"]("AKIAABCDEFGHIJKLMNOP and -----BEGIN RSA PRIVATE KEY-----") == 2


@pytest.mark.parametrize(
    ("reply", "codes"),
    [("safe", []), ("unsafe\nS1,S10", ["S1", "S10"]), (" Unsafe\nS2, S2", ["S2"]), ("unsafe\nS6", []), ("maybe", None)],
)
def test_parse_verdict(reply: str, codes: list[str] | None) -> None:
    in_force = [code for code in CATEGORIES if code != "S6"]
    assert parse_verdict(reply, in_force) == codes


def test_verdict_grammar_lists_only_the_codes_in_force() -> None:
    grammar = verdict_grammar(["S1", "S10"])
    assert grammar == 'root ::= "safe" | "unsafe\\n" code ("," code)*\ncode ::= "S1" | "S10"\n'


def test_prompt_judges_the_last_author() -> None:
    messages = [ChatMessage(role="user", content="hi"), ChatMessage(role="assistant", content="hello")]
    prompt = build_prompt(messages, ["S1", "S2"])
    assert "ONLY THE LAST Agent message" in prompt
    assert "User: hi\n\nAgent: hello" in prompt
    assert "S1: Violent Crimes.\nS2: Non-Violent Crimes." in prompt and "S3" not in prompt
    with pytest.raises(BadRequestError):
        build_prompt([ChatMessage(role="system", content="x")], ["S1"])
