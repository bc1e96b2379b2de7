"""Agent definitions (system behaviour, tool sets) that the graphs in luna.graphs run."""
