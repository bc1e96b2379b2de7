"""Assembled agents: a graph of :mod:`luna.graphs` with one user's tools, and how a turn runs.

Agents sit above the graphs: they import graphs and tools, and no graph imports them.
"""
