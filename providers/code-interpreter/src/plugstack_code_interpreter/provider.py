"""`inline::code-interpreter`: the ``builtin::code_interpreter`` group, one tool that runs Python.

The model gets back what a terminal would show it: stdout, stderr (with the traceback) and why
the run failed (exit status, a signal, the wall-clock limit), each cut to a size.
"""

import asyncio
import signal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from plugstack.apis.tool_runtime.models import (
    TOOL_FAILED,
    ProviderData,
    RegisterToolGroupRequest,
    ToolDef,
    ToolGroup,
    ToolInvocationResult,
)
from plugstack.errors import BadRequestError, NotFoundError
from plugstack_code_interpreter.config import CodeInterpreterConfig
from plugstack_code_interpreter.sandbox import Isolation, Run, run_python

GROUP_ID = "builtin::code_interpreter"
TOOL_NAME = "code_interpreter"


class CodeInterpreterArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")  # agent loops may add e.g. session_id

    code: str = Field(description="Python source; a final expression's value is printed, as in a notebook")


def _tool(config: CodeInterpreterConfig) -> ToolDef:
    return ToolDef(
        name=TOOL_NAME,
        description=(
            "Run Python 3 code in a sandbox and get its stdout and stderr. No network; only a scratch "
            f"directory is writable and it is deleted after the run; {config.timeout_s:g} s and "
            f"{config.memory_mb} MB per run. Print what you need to see."
        ),
        input_schema=CodeInterpreterArgs.model_json_schema(),
    )


def _failure(run: Run, config: CodeInterpreterConfig) -> str | None:
    if run.timed_out:
        return f"timed out: killed at the {config.timeout_s:g} s wall-clock limit"
    if run.exit_code is None or run.exit_code == 0:
        return None
    if run.exit_code < 0:
        name = signal.Signals(-run.exit_code).name
        hint = {"SIGXCPU": " (CPU time limit)", "SIGKILL": " (killed; memory or process limits)"}.get(name, "")
        return f"killed by {name}{hint}"
    last = next((line for line in reversed(run.stderr.text.splitlines()) if line.strip()), "")
    return f"exited with status {run.exit_code}" + (f": {last}" if last else "")


def _transcript(run: Run, error: str | None) -> str:
    parts = [f"[stdout]\n{run.stdout.text}[/stdout]" if run.stdout.text else "[stdout][/stdout]"]
    if run.stderr.text:
        parts.append(f"[stderr]\n{run.stderr.text}[/stderr]")
    if error:
        parts.append(f"[error]\n{error}\n[/error]")
    return "\n".join(parts)


class CodeInterpreter:
    def __init__(self, config: CodeInterpreterConfig, isolation: Isolation, scratch: Path) -> None:
        self.config = config
        self.isolation = isolation
        self._scratch = scratch
        self._slots = asyncio.Semaphore(config.max_concurrent_runs)

    def accepts(self, request: RegisterToolGroupRequest) -> bool:
        return request.toolgroup_id == GROUP_ID

    async def register_resource(self, group: ToolGroup) -> None:
        if group.mcp_endpoint is not None:
            raise BadRequestError("mcp_endpoint: the code interpreter runs locally; register MCP servers elsewhere")

    async def health(self) -> dict[str, str]:
        return {"status": "OK", "message": f"sandbox: {self.isolation.describe()}"}

    async def list_tools(self, group: ToolGroup, provider_data: ProviderData) -> list[ToolDef]:
        return [_tool(self.config)]

    async def invoke_tool(
        self, group: ToolGroup, tool_name: str, kwargs: dict[str, Any], provider_data: ProviderData
    ) -> ToolInvocationResult:
        if tool_name != TOOL_NAME:
            raise NotFoundError(f"tool group {group.identifier!r} has no tool {tool_name!r}")
        try:
            args = CodeInterpreterArgs.model_validate(kwargs)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            return ToolInvocationResult(error_code=TOOL_FAILED, error_message=f"invalid arguments: {problems}")
        async with self._slots:
            run = await run_python(args.code, self.config, self.isolation, self._scratch)
        error = _failure(run, self.config)
        return ToolInvocationResult(
            content=_transcript(run, error),
            error_code=TOOL_FAILED if error else None,
            error_message=error,
            metadata={
                "exit_code": run.exit_code,
                "timed_out": run.timed_out,
                "duration_ms": round(run.duration_s * 1000, 1),
                "stdout_truncated": run.stdout.truncated,
                "stderr_truncated": run.stderr.truncated,
                "sandbox": self.isolation.describe(),
            },
        )
