"""Env interpolation semantics: each form, alone and mixed, set, empty and unset."""

import pytest

from plugstack.config.envsubst import MissingEnvError, substitute

ENV = {"SET": "value", "EMPTY": "", "PORT": "9000"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${env.SET}", "value"),
        ("${env.EMPTY}", ""),
        ("${env.SET:=fallback}", "value"),
        ("${env.EMPTY:=fallback}", "fallback"),
        ("${env.UNSET:=fallback}", "fallback"),
        ("${env.UNSET:=}", ""),
        ("${env.SET:+on}", "on"),
        ("${env.EMPTY:+on}", ""),
        ("${env.UNSET:+on}", ""),
        ("http://host:${env.PORT:=8321}/v1", "http://host:9000/v1"),
        ("${env.SET}-${env.UNSET:=x}-${env.SET:+y}", "value-x-y"),
        ("no reference", "no reference"),
        ("$env.SET and {env.SET}", "$env.SET and {env.SET}"),
        ("${env.UNSET:=a:b=c}", "a:b=c"),
    ],
)
def test_substitute(text: str, expected: str) -> None:
    assert substitute(text, ENV) == expected


def test_required_variable_missing_names_it() -> None:
    with pytest.raises(MissingEnvError) as info:
        substitute("url: ${env.VLLM_URL}", ENV)
    assert info.value.name == "VLLM_URL"
