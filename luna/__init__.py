"""Luna-IEMS: a local, on-premise AI platform for energy management."""

__version__ = "0.1.0"
