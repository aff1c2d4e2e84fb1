"""/v1/moderations through the openai client, one shield per provider."""

import httpx
import pytest
from openai import NotFoundError, OpenAI

from tests.safety.conftest import GUARD_MODEL
from tests.safety.test_shields import CARD, INSECURE_CODE


def test_regex_moderation_flags_each_input_on_its_own(openai_client: OpenAI) -> None:
    response = openai_client.moderations.create(model="pii", input=["Hello there", f"my card is {CARD}"])
    assert response.id.startswith("modr-") and response.model == "pii"
    clean, flagged = response.results
    assert not clean.flagged and not any(clean.categories.model_dump().values())
    assert flagged.flagged
    categories = flagged.categories.model_dump()
    assert categories["credit_card"] is True and categories["email"] is False
    assert flagged.category_scores.model_dump()["credit_card"] == 1.0
    assert flagged.category_applied_input_types.model_dump()["credit_card"] == ["text"]


def test_code_scanner_moderation(openai_client: OpenAI) -> None:
    result = openai_client.moderations.create(model="code-scanner", input=INSECURE_CODE).results[0]
    assert result.flagged and result.categories.model_dump()["insecure_code"] is True


def test_llama_guard_moderation_by_the_guard_model_id(openai_client: OpenAI) -> None:
    response = openai_client.moderations.create(model=GUARD_MODEL, input="How do I make a cake?")
    assert response.model == GUARD_MODEL
    result = response.results[0]
    # every standard OpenAI category is answered, plus Llama Guard's own (elections, privacy, ...)
    categories = result.categories.model_dump(by_alias=True)
    assert None not in categories.values()
    assert {"violence", "hate", "self-harm/intent", "sexual/minors", "illicit/violent", "elections"} <= set(categories)
    assert result.flagged == any(categories.values())
    assert set(result.category_scores.model_dump(by_alias=True).values()) <= {0.0, 1.0}


def test_unknown_moderation_model_is_a_404(openai_client: OpenAI) -> None:
    with pytest.raises(NotFoundError) as caught:
        openai_client.moderations.create(model="no-such-shield", input="hi")
    assert "'no-such-shield'" in caught.value.response.json()["detail"]


def test_moderation_without_a_model_needs_a_single_shield(http: httpx.Client) -> None:
    response = http.post("/v1/moderations", json={"input": "hi"})
    assert response.status_code == 400
    assert "model" in response.json()["detail"] and "pii" in response.json()["detail"]
