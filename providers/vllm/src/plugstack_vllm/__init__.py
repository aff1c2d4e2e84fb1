"""plugstack-provider-vllm: `remote::vllm` (a vLLM OpenAI-compatible server) and `inline::vllm`
(vLLM's async engine in this process, with LoRA adapters)."""
