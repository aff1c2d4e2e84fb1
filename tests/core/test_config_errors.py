"""Malformed run.yaml: every error names the YAML path and line, what was expected and found."""

import textwrap

import pytest

from plugstack.config.issues import ConfigError
from plugstack.config.load import parse_run_config
from plugstack.plugins import Catalog

GOOD = """\
version: 1
distribution: test
apis: [inference]
providers:
  inference:
    - provider_id: backend
      provider_type: remote::unreachable
      config:
        url: http://127.0.0.1:9/v1
"""


def errors(text: str, catalog: Catalog, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        parse_run_config(textwrap.dedent(text), "run.yaml", catalog, env or {})
    message = info.value.render()
    assert "Traceback" not in message
    assert len(message.splitlines()) < 25, "one screen"
    return message


def test_the_good_config_loads(catalog: Catalog) -> None:
    loaded = parse_run_config(GOOD, "run.yaml", catalog, {})
    assert loaded.config.providers["inference"][0].provider_id == "backend"
    assert str(loaded.provider_configs["backend"].url) == "http://127.0.0.1:9/v1"  # type: ignore[attr-defined]


def test_invalid_yaml_syntax(catalog: Catalog) -> None:
    message = errors("version: 1\napis: [inference\nproviders: {}\n", catalog)
    assert "invalid YAML" in message and "run.yaml:3" in message


def test_empty_file(catalog: Catalog) -> None:
    assert "the file is empty" in errors("", catalog)


def test_top_level_not_a_mapping(catalog: Catalog) -> None:
    message = errors("- version: 1\n", catalog)
    assert "run.yaml:1: (top level): the top level must be a mapping" in message


def test_missing_version(catalog: Catalog) -> None:
    message = errors(GOOD.replace("version: 1\n", ""), catalog)
    assert "version: Field required" in message and "expected: this field" in message


def test_version_from_the_future(catalog: Catalog) -> None:
    message = errors(GOOD.replace("version: 1", "version: 7"), catalog)
    assert "run.yaml:1: version: this file is for a newer plugstack" in message
    assert "expected: version <= 1" in message and "found:    7" in message


def test_unknown_top_level_key(catalog: Catalog) -> None:
    message = errors(GOOD + "sever:\n  port: 1\n", catalog)
    assert "run.yaml:10: sever: unknown field (not allowed here)" in message


def test_unknown_api_name(catalog: Catalog) -> None:
    message = errors(GOOD.replace("apis: [inference]", "apis: [inferense]"), catalog)
    assert "run.yaml:3: apis[0]: Input should be" in message
    assert "'inferense'" in message


def test_provider_missing_provider_type(catalog: Catalog) -> None:
    message = errors(GOOD.replace("      provider_type: remote::unreachable\n", ""), catalog)
    assert "run.yaml:6: providers.inference[0].provider_type: Field required" in message


def test_unknown_provider_type_lists_installed_ones(catalog: Catalog) -> None:
    message = errors(GOOD.replace("remote::unreachable", "remote::vlm"), catalog)
    assert "run.yaml:7: providers.inference[0].provider_type: unknown provider_type for API 'inference'" in message
    assert (
        "expected: one of: inline::missing-engine, inline::recorder, remote::unreachable" in message
        and "found:    'remote::vlm'" in message
    )


def test_provider_type_of_another_api(catalog: Catalog) -> None:
    message = errors(GOOD.replace("remote::unreachable", "inline::needs-inference"), catalog)
    assert "provider_type implements 'datasetio' for API 'inference'" in message and "run.yaml:7" in message


def test_duplicate_provider_id(catalog: Catalog) -> None:
    text = (
        GOOD + "    - provider_id: backend\n      provider_type: remote::unreachable\n      config: {url: http://x}\n"
    )
    message = errors(text, catalog)
    assert "run.yaml:10: providers.inference[1].provider_id: duplicate provider_id" in message


def test_provider_config_wrong_type(catalog: Catalog) -> None:
    message = errors(GOOD + "        timeout: soon\n", catalog)
    assert "run.yaml:10: providers.inference[0].config.timeout: Input should be a valid number" in message
    assert "found:    'soon'" in message


def test_provider_config_bad_url(catalog: Catalog) -> None:
    message = errors(GOOD.replace("http://127.0.0.1:9/v1", "localhost-no-scheme"), catalog)
    assert "run.yaml:9: providers.inference[0].config.url: Input should be a valid URL" in message


def test_provider_config_unknown_key(catalog: Catalog) -> None:
    message = errors(GOOD + "        tiemout: 3\n", catalog)
    assert "run.yaml:10: providers.inference[0].config.tiemout: unknown field (not allowed here)" in message


def test_required_env_variable_unset(catalog: Catalog) -> None:
    message = errors(GOOD.replace("http://127.0.0.1:9/v1", "${env.VLLM_URL}"), catalog)
    assert "run.yaml:9: providers.inference[0].config.url: environment variable VLLM_URL is not set" in message
    assert "${env.VLLM_URL:=value}" in message


def test_port_out_of_range(catalog: Catalog) -> None:
    message = errors(GOOD + "server:\n  port: 70000\n", catalog)
    assert "run.yaml:11: server.port: Input should be less than or equal to 65535" in message


def test_storage_reference_to_undefined_backend(catalog: Catalog) -> None:
    message = errors(GOOD + "storage:\n  jobs: fast\n", catalog)
    assert (
        "run.yaml:11: storage.jobs: refers to an undefined backend" in message
        and "expected: one of: default" in message
    )


def test_storage_backend_of_unknown_type(catalog: Catalog) -> None:
    message = errors(GOOD + "storage:\n  backends:\n    default: {type: mongo, path: x}\n", catalog)
    assert "run.yaml:12: storage.backends.default" in message and "'sqlite'" in message


def test_unknown_resource_kind(catalog: Catalog) -> None:
    message = errors(GOOD + "registered_resources:\n  modles: []\n", catalog)
    assert "run.yaml:11: registered_resources.modles: no API in apis takes resources of this kind" in message
    assert "expected: one of: models" in message


def test_resource_for_an_unknown_provider(catalog: Catalog) -> None:
    message = errors(GOOD + "registered_resources:\n  models:\n    - model_id: m\n      provider_id: other\n", catalog)
    assert "run.yaml:13: registered_resources.models[0].provider_id: not a inference provider" in message


def test_resource_missing_its_id(catalog: Catalog) -> None:
    message = errors(GOOD + "registered_resources:\n  models:\n    - provider_id: backend\n", catalog)
    assert "run.yaml:12: registered_resources.models[0].model_id: Field required" in message


def test_api_without_providers(catalog: Catalog) -> None:
    message = errors("version: 1\ndistribution: x\napis: [inference]\n", catalog)
    assert "run.yaml:3: apis[0]: API 'inference' is listed but has no provider" in message


def test_providers_for_an_api_not_listed(catalog: Catalog) -> None:
    message = errors(GOOD.replace("apis: [inference]", "apis: []"), catalog)
    assert "run.yaml:5: providers.inference: providers are given for 'inference', which apis does not list" in message


def test_module_pin_mismatch(catalog: Catalog) -> None:
    message = errors(GOOD.replace("      config:", "      module: plugstack-vllm\n      config:"), catalog)
    assert "run.yaml:8: providers.inference[0].module: provider_type comes from another package" in message
    assert "expected: tests" in message


def test_all_problems_are_reported_at_once_in_line_order(catalog: Catalog) -> None:
    text = GOOD.replace("remote::unreachable", "remote::nope") + "storage:\n  jobs: fast\n"
    message = errors(text, catalog)
    assert "(2 problems)" in message
    assert message.index("run.yaml:7") < message.index("run.yaml:11")


def test_disabled_provider_keeps_line_numbers_right(catalog: Catalog) -> None:
    text = GOOD.replace("- provider_id: backend", "- provider_id: ${env.OFF:+off}") + (
        "    - provider_id: second\n      provider_type: remote::unreachable\n      config: {timeout: -1, url: http://x}\n"
    )
    message = errors(text, catalog)
    assert "run.yaml:12: providers.inference[0].config.timeout: Input should be greater than 0" in message
