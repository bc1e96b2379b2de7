"""Eval datasets runners and metrics for retrieval, QA, tool routing and playbooks."""
