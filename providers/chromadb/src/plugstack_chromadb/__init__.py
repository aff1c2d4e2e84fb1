"""`remote::chromadb`: vector stores in a Chroma server."""
