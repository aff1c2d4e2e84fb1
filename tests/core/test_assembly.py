"""Assembly in-process: dependency order, injection of API implementations, failing providers."""

from pathlib import Path

import pytest

from plugstack.apis.inference.router import InferenceRouter
from plugstack.apis.names import Api
from plugstack.config.load import parse_run_config
from plugstack.plugins import Catalog
from plugstack.stack import build_stack

RUN_YAML = """\
version: 1
distribution: assembly
apis: [datasetio, inference]
providers:
  datasetio:
    - provider_id: dependent
      provider_type: inline::dependent-recorder
  inference:
    - provider_id: recorder
      provider_type: inline::recorder
    - provider_id: missing
      provider_type: inline::missing-engine
    - provider_id: down
      provider_type: remote::unreachable
      config: {url: "http://127.0.0.1:9", api_token: hunter2}
registered_resources:
  models:
    - {model_id: m1, provider_id: recorder}
    - {model_id: m2, provider_id: down}
"""


async def test_dependencies_are_injected_as_api_implementations(catalog: Catalog, tmp_path: Path) -> None:
    loaded = parse_run_config(RUN_YAML, "run.yaml", catalog, {"PLUGSTACK_STATE_DIR": str(tmp_path)})
    loaded.config.storage.state_dir = str(tmp_path)
    stack = await build_stack(loaded, catalog)
    try:
        dependent = stack.handle("dependent")
        assert dependent is not None
        deps = dependent.impl.context.deps
        assert list(deps) == [Api.inference]
        assert isinstance(deps[Api.inference], InferenceRouter)
        assert dependent.impl.context.state_dir == tmp_path / "providers" / "dependent"
        # built before the API that depends on it, although listed after it
        order = [handle.provider_id for handle in stack.handles]
        assert order.index("recorder") < order.index("dependent")
    finally:
        await stack.shutdown()


async def test_failing_providers_are_kept_with_the_reason(catalog: Catalog, tmp_path: Path) -> None:
    loaded = parse_run_config(RUN_YAML, "run.yaml", catalog, {})
    loaded.config.storage.state_dir = str(tmp_path)
    stack = await build_stack(loaded, catalog)
    try:
        missing = await stack.handle("missing").health()  # type: ignore[union-attr]
        assert missing.status == "Error"
        assert "ModuleNotFoundError" in (missing.message or "")
        assert "(install: pip install plugstack-provider-missing)" in (missing.message or "")
        down = await stack.handle("down").health()  # type: ignore[union-attr]
        assert down.message == "failed to start: ConnectionError: cannot connect to http://127.0.0.1:9/"
        # its run.yaml model stays registered, so callers get 503 with the reason, not 404
        models = stack.tables["models"]
        assert {m.identifier for m in models.all()} == {"m1", "m2"}
        from plugstack.errors import ProviderUnavailableError

        with pytest.raises(ProviderUnavailableError, match="provider 'down' \\(remote::unreachable\\) is unavailable"):
            models.route("m2")
    finally:
        await stack.shutdown()
