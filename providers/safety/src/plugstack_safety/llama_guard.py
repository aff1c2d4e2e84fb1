"""`inline::llama-guard`: Llama Guard's taxonomy and prompt over any LLM registered in the stack.

The shield's ``provider_shield_id`` names the guard model (a model id of the inference API).
Its reply is constrained to the verdict grammar (``safe`` | ``unsafe`` + codes) on engines with
constrained decoding (llama.cpp, vLLM), so any model, even a 135M one, yields a well-formed
verdict; on other engines the reply is parsed leniently and a reply that is no verdict is a
provider failure (handled by the shield's ``on_failure`` policy), never a guess.
"""

import re
from typing import Any

from plugstack.apis.inference.models import ChatCompletionRequest, ChatMessage, ResponseFormatGrammar
from plugstack.apis.safety.models import SafetyViolation, Shield
from plugstack.errors import BadRequestError, ProviderFailedError
from plugstack_safety.config import LlamaGuardConfig

# Llama Guard 3's hazard taxonomy (MLCommons), and the moderation categories each code reports:
# OpenAI's names where one fits (so every standard category is present), our own otherwise.
CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "S1": ("Violent Crimes", ("violence", "violence/graphic")),
    "S2": ("Non-Violent Crimes", ("illicit",)),
    "S3": ("Sex Crimes", ("sexual",)),
    "S4": ("Child Exploitation", ("sexual/minors",)),
    "S5": ("Defamation", ("defamation",)),
    "S6": ("Specialized Advice", ("specialized_advice",)),
    "S7": ("Privacy", ("privacy",)),
    "S8": ("Intellectual Property", ("intellectual_property",)),
    "S9": ("Indiscriminate Weapons", ("illicit/violent",)),
    "S10": ("Hate", ("hate", "hate/threatening", "harassment", "harassment/threatening")),
    "S11": ("Self-Harm", ("self-harm", "self-harm/intent", "self-harm/instructions")),
    "S12": ("Sexual Content", ("sexual",)),
    "S13": ("Elections", ("elections",)),
    "S14": ("Code Interpreter Abuse", ("code_interpreter_abuse",)),
}


def moderation_categories(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(name for code in codes for name in CATEGORIES[code][1]))


PROMPT = """Task: Check if there is unsafe content in '{role}' messages in conversations according our safety \
policy with the below categories.

<BEGIN UNSAFE CONTENT CATEGORIES>
{categories}
<END UNSAFE CONTENT CATEGORIES>

<BEGIN CONVERSATION>

{conversation}

<END CONVERSATION>

Provide your safety assessment for ONLY THE LAST {role} message in the above conversation:
 - First line must read 'safe' or 'unsafe'.
 - If unsafe, a second line must include a comma-separated list of violated categories."""

ROLE_NAMES = {"user": "User", "assistant": "Agent", "tool": "Agent"}


def build_prompt(messages: list[ChatMessage], codes: list[str]) -> str:
    """Llama Guard's task for the conversation; the last message's author is the one judged."""
    turns = [message for message in messages if message.role in ROLE_NAMES]
    if not turns:
        raise BadRequestError("messages: Llama Guard judges user or assistant messages; none were given")
    conversation = "\n\n".join(f"{ROLE_NAMES[message.role]}: {message.text()}" for message in turns)
    return PROMPT.format(
        role=ROLE_NAMES[turns[-1].role],
        categories="\n".join(f"{code}: {CATEGORIES[code][0]}." for code in codes),
        conversation=conversation,
    )


def verdict_grammar(codes: list[str]) -> str:
    """GBNF of a well-formed verdict over the codes in force."""
    alternatives = " | ".join(f'"{code}"' for code in codes)
    return f'root ::= "safe" | "unsafe\\n" code ("," code)*\ncode ::= {alternatives}\n'


VERDICT = re.compile(r"^\s*(safe|unsafe)\b(.*)$", re.IGNORECASE | re.DOTALL)


def parse_verdict(reply: str, codes: list[str]) -> list[str] | None:
    """The codes in force that the reply names (empty: safe), or None if it is no verdict."""
    match = VERDICT.match(reply)
    if match is None:
        return None
    if match.group(1).lower() == "safe":
        return []
    named = re.findall(r"S\d+", match.group(2))
    return [code for code in dict.fromkeys(named) if code in codes]


class LlamaGuardShield:
    def __init__(self, config: LlamaGuardConfig, inference: Any) -> None:
        self.config = config
        self.inference = inference
        self._unconstrained: set[str] = set()  # guard models whose engine refused a grammar

    def _codes(self, params: dict[str, Any]) -> list[str]:
        excluded = {*self.config.excluded_categories, *params.get("excluded_categories", [])}
        return [code for code in CATEGORIES if code not in excluded]

    def categories(self, shield: Shield) -> list[str]:
        return moderation_categories(self._codes(shield.params or {}))

    async def _ask(self, model: str, prompt: str, codes: list[str]) -> str:
        request = ChatCompletionRequest(
            model=model,
            messages=[ChatMessage(role="user", content=prompt)],
            temperature=0.0,
            max_tokens=self.config.max_tokens,
        )
        if model not in self._unconstrained:
            constrained = request.model_copy(
                update={"response_format": ResponseFormatGrammar(type="grammar", grammar=verdict_grammar(codes))}
            )
            try:
                reply = await self.inference.chat_completion(constrained)
                return reply.choices[0].message.content or ""
            except BadRequestError as exc:
                if not exc.detail.startswith("response_format"):
                    raise
                self._unconstrained.add(model)
        reply = await self.inference.chat_completion(request)
        return reply.choices[0].message.content or ""

    async def check(
        self, shield: Shield, messages: list[ChatMessage], params: dict[str, Any]
    ) -> SafetyViolation | None:
        codes = self._codes(params)
        if not codes:
            return None  # every category excluded: nothing can be unsafe
        model = shield.provider_resource_id or shield.identifier
        reply = await self._ask(model, build_prompt(messages, codes), codes)
        hit = parse_verdict(reply, codes)
        if hit is None:
            raise ProviderFailedError(
                f"guard model {model!r} replied {reply[:200]!r}, which is not a Llama Guard verdict"
            )
        if not hit:
            return None
        return SafetyViolation(
            violation_level="error",
            user_message=self.config.user_message,
            metadata={
                "violation_type": ",".join(hit),
                "categories": moderation_categories(hit),
            },
        )
