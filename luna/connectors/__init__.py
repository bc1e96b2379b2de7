"""Live data connectors: they feed the data layer and nothing else."""
