"""Property-based fuzzing of the HTTP surface (issue 15): schemathesis generates requests from
the server's own /openapi.json, valid and invalid, against a starter-like stack whose model is
the zero-work backend (so inference answers at once). No response may be a 5xx, and every
response the document declares must match its schema.

Bounded: MAX_EXAMPLES per operation, ~1 minute in all. Left out: eval and post_training, whose
operations start jobs (minutes each), and agents and tool runtime (they need the other APIs'
resources to do anything beyond 4xx); their inputs go through the same edge guard.
"""

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.support.server import RunningServer, run_server
from tests.support.zero_backend import MODEL, zero_backend

MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with zero_backend() as url:
        config = f"""\
version: 1
distribution: fuzz
apis: [inference, datasetio, scoring, files]
providers:
  inference:
    - {{provider_id: vllm, provider_type: remote::vllm, config: {{url: {url}, max_retries: 0}}}}
  datasetio:
    - {{provider_id: localfs, provider_type: inline::localfs}}
  scoring:
    - {{provider_id: basic, provider_type: inline::basic}}
  files:
    - {{provider_id: localfs-files, provider_type: inline::localfs, config: {{max_file_bytes: 1048576}}}}
registered_resources:
  models:
    - {{model_id: embedder, provider_id: vllm, provider_model_id: {MODEL}, model_type: embedding}}
"""
        with run_server(config, tmp_path_factory.mktemp("fuzz")) as running:
            yield running


@pytest.fixture(scope="module")
def api_schema(server: RunningServer) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")


FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def test_no_input_reaches_a_5xx(api_schema: schemathesis.BaseSchema) -> None:
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:

        @FUZZ_SETTINGS
        @given(case=operation.as_strategy())
        def exchange(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance], timeout=30)

        try:
            exchange()
        except Exception as exc:  # noqa: BLE001 - every operation's failure is reported together
            failures.append(f"{operation.label}: {exc}")
    assert len(operations) > 20
    assert not failures, "\n\n".join(failures)
