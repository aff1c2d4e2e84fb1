"""One real server with every safety provider, the embedded model as the guard."""

from tests.support.clients import http_fixture, openai_client_fixture, server_fixture, stack_client_fixture
from tests.support.models import llama_cpp_provider

GUARD_MODEL = "smol"

RUN_YAML = f"""\
version: 1
distribution: safety-tests
apis: [inference, safety]
providers:
  inference:
{llama_cpp_provider()}
  safety:
    - provider_id: llama-guard
      provider_type: inline::llama-guard
    - provider_id: regex
      provider_type: inline::regex
      config:
        patterns:
          - {{category: competitors, pattern: "\\\\bacme corp\\\\b", violation_level: warn,
             user_message: "Let's not talk about other vendors."}}
    - provider_id: code-scanner
      provider_type: inline::code-scanner
registered_resources:
  models:
    - {{model_id: {GUARD_MODEL}, provider_id: llama-cpp, provider_model_id: SmolLM2-135M-Instruct}}
  shields:
    - {{shield_id: llama-guard, provider_id: llama-guard, provider_shield_id: {GUARD_MODEL}}}
    - {{shield_id: pii, provider_id: regex, params: {{categories: [email, credit_card, iban, secret_key]}}}}
    - {{shield_id: brand, provider_id: regex, params: {{categories: [competitors]}}}}
    - {{shield_id: code-scanner, provider_id: code-scanner}}
"""


server = server_fixture(RUN_YAML, "safety")
stack_client = stack_client_fixture()
openai_client = openai_client_fixture()
http = http_fixture()
