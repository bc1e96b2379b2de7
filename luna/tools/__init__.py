"""LangChain tools the agents call: document search, time-series queries, forecasts, optimiser."""
