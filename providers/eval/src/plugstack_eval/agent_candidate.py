"""An agent candidate's answers: each row is one turn, in a session of its own, of a throwaway
agent made from the candidate's config — the same loop /v1alpha/agents and /v1/responses run."""

from types import TracebackType
from typing import Any

from pydantic import ValidationError

from plugstack.apis.agents.turns import AgentConfig, CreateAgentRequest, CreateTurnRequest, UserMessage, content_text
from plugstack.apis.inference.models import ChatMessage
from plugstack.errors import BadRequestError


def agent_config(config: dict[str, Any]) -> AgentConfig:
    """The candidate's config, checked before anything runs (a 400 naming the field)."""
    try:
        return AgentConfig.model_validate(config)
    except ValidationError as exc:
        wrong = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise BadRequestError(f"eval_candidate.config: {wrong}") from None


class AgentAnswers:
    def __init__(self, agents: Any, config: AgentConfig) -> None:
        self._agents = agents
        self._config = config
        self._agent_id = ""

    async def __aenter__(self) -> "AgentAnswers":
        created = await self._agents.create_agent(CreateAgentRequest(agent_config=self._config))
        self._agent_id = created.agent_id
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self._agents.delete_agent(self._agent_id)  # its sessions and turns go with it

    async def answer(self, messages: list[ChatMessage]) -> str:
        """The agent's final answer to the row's user messages (its system prompt is the agent's)."""
        session = await self._agents.create_session(self._agent_id, "eval")
        said = [UserMessage(content=message.text()) for message in messages if message.role == "user"]
        turn = await self._agents.create_turn(
            self._agent_id, session.session_id, CreateTurnRequest(messages=said, stream=False)
        )
        return content_text(turn.output_message.content, "output_message.content")
