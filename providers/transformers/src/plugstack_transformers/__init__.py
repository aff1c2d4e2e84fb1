"""plugstack-provider-transformers: `inline::transformers`, Hugging Face models in this process:
HF model directories, GGUF files (dequantized by transformers' loader) and PEFT adapters."""
