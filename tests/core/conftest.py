import pytest

from plugstack.plugins import Catalog, PluginInfo, build_catalog
from tests.support import test_plugin


@pytest.fixture
def catalog(monkeypatch: pytest.MonkeyPatch) -> Catalog:
    """Only the test plugin, whatever else is installed: deterministic provider lists."""
    monkeypatch.setenv("PLUGSTACK_DISABLE_PLUGIN_AUTOLOAD", "1")
    return build_catalog(extra=[(PluginInfo("test", "tests", "0"), test_plugin)])
