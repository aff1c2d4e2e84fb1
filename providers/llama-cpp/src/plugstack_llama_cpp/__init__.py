"""plugstack-provider-llama-cpp: llama.cpp embedded in the server process, on GGUF models."""
