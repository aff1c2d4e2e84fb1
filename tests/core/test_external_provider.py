"""A third-party provider package, installed from its folder: listed, accepted, served.
Nothing in the core knows about it."""

import subprocess
import sys
from pathlib import Path

import httpx
import openai

from tests.support.server import run_server

PLUGSTACK = [sys.executable, "-m", "plugstack.cli"]


def test_listed_by_the_cli(markov_provider: Path) -> None:
    out = subprocess.run([*PLUGSTACK, "providers", "list", "--api", "inference"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert any(
        line.split()[:4] == ["inference", "inline::markov", "plugstack-markov", "0.1.0"]
        for line in out.stdout.splitlines()
    )


def test_accepted_in_a_run_yaml(markov_provider: Path) -> None:
    out = subprocess.run([*PLUGSTACK, "validate", str(markov_provider / "run.yaml")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "OK (markov-demo: 1 APIs, 1 providers)" in out.stdout


def test_served(markov_provider: Path, tmp_path: Path) -> None:
    with run_server(markov_provider / "run.yaml", tmp_path) as server:
        providers = httpx.get(f"{server.base_url}/v1/providers").json()["data"]
        assert providers == [
            {
                "api": "inference",
                "provider_id": "markov",
                "provider_type": "inline::markov",
                "package": "plugstack-markov",
                "version": "0.1.0",
                "config": {"corpus": None, "order": 2},
                "health": {"status": "OK"},
            }
        ]
        client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="none")
        reply = client.chat.completions.create(
            model="markov-2", messages=[{"role": "user", "content": "We were sitting in"}], max_tokens=6, temperature=0
        )
        # greedy continuation of "sitting in" in the bundled corpus
        assert reply.choices[0].message.content == "my room, smoking, and talking about"
        assert reply.usage is not None and reply.usage.completion_tokens == 6
        assert reply.choices[0].finish_reason == "length"
        stream = client.completions.create(model="markov-2", prompt="George said", max_tokens=5, stream=True)
        pieces = [chunk.choices[0].text for chunk in stream]
        assert len("".join(pieces).split()) == 5
