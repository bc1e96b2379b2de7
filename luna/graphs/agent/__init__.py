"""The energy assistant graph: plan a tool call, run it, compose a cited answer."""
