"""server.auth, server.quota and server.cors, through the real server."""

from pathlib import Path

import httpx

from tests.support.server import run_server

BASE = """\
version: 1
distribution: guarded
apis: [inference]
providers:
  inference:
    - provider_id: markov
      provider_type: inline::markov
server:
"""


def test_auth_requires_a_known_bearer_token(markov_provider: Path, tmp_path: Path) -> None:
    config = BASE + "  auth:\n    api_keys:\n      - ${env.KEY}\n"
    with run_server(config, tmp_path, env={"KEY": "s3cret"}) as server:
        assert httpx.get(f"{server.base_url}/v1/health").status_code == 200  # probes stay open
        missing = httpx.get(f"{server.base_url}/v1/models")
        assert missing.status_code == 401
        assert missing.json()["detail"] == "a valid 'Authorization: Bearer <api key>' header is required"
        wrong = httpx.get(f"{server.base_url}/v1/models", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = httpx.get(f"{server.base_url}/v1/models", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200


def test_quota_answers_429_with_retry_after(markov_provider: Path, tmp_path: Path) -> None:
    with run_server(BASE + "  quota:\n    requests_per_minute: 3\n", tmp_path) as server:
        statuses = [httpx.get(f"{server.base_url}/v1/models").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = httpx.get(f"{server.base_url}/v1/models")
        assert limited.json()["title"] == "Too Many Requests"
        assert 1 <= int(limited.headers["retry-after"]) <= 60


def test_cors(markov_provider: Path, tmp_path: Path) -> None:
    with run_server(BASE + "  cors:\n    allow_origins: [http://app.example]\n", tmp_path) as server:
        preflight = httpx.options(
            f"{server.base_url}/v1/chat/completions",
            headers={"Origin": "http://app.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.headers["access-control-allow-origin"] == "http://app.example"
        other = httpx.get(f"{server.base_url}/v1/models", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers
