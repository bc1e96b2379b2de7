"""LangGraph graphs, one module or folder per graph with its state, nodes and prompts."""
