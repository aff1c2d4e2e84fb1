"""verify_in_child: trial runs of native engines in a child process."""

from pathlib import Path

import pytest

from plugstack.engines.guard import EngineCheckFailedError, cpu_features, verify_in_child


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLUGSTACK_CACHE_DIR", str(tmp_path))
    return tmp_path / "engine-checks"


async def test_a_segfault_is_reported_with_the_signal_and_the_cpu() -> None:
    with pytest.raises(EngineCheckFailedError) as caught:
        await verify_in_child("ctypes:string_at", {"ptr": 0}, what="engine X")
    assert caught.value.status == 503
    assert caught.value.detail.startswith("engine X: the trial run in a child process crashed: killed by SIGSEGV")
    assert f"(CPU {cpu_features()})" in caught.value.detail


async def test_an_exception_is_reported_with_what_the_child_wrote() -> None:
    with pytest.raises(EngineCheckFailedError) as caught:
        await verify_in_child("json:loads", {"s": "{not json"}, what="engine Y")
    assert "failed with exit code 1" in caught.value.detail
    assert "JSONDecodeError" in caught.value.detail


async def test_a_child_that_hangs_is_killed_at_the_timeout() -> None:
    with pytest.raises(EngineCheckFailedError, match="did not finish within 1 s"):
        await verify_in_child("tests.support.crashing_engine:hang", {"seconds": 30}, what="engine Z", timeout_s=1)


async def test_a_pass_is_remembered_per_key_and_a_failure_never(cache: Path) -> None:
    key = {"engine": "demo", "build": 1}
    assert await verify_in_child("json:dumps", {"obj": 4}, what="demo", cache_key=key) is not None
    assert await verify_in_child("json:dumps", {"obj": 4}, what="demo", cache_key=key) is None  # skipped
    assert await verify_in_child("json:dumps", {"obj": 4}, what="demo", cache_key={**key, "build": 2}) is not None
    assert len(list(cache.glob("*.json"))) == 2
    with pytest.raises(EngineCheckFailedError):
        await verify_in_child("json:loads", {"s": "x"}, what="demo", cache_key={"engine": "bad"})
    assert len(list(cache.glob("*.json"))) == 2
