"""Observability: Prometheus metrics, structured JSON logs with a request id, recent requests.

:mod:`.metrics`, :mod:`.logging` and :mod:`.recent` import only the standard library and
``prometheus_client``, so any layer (data layer and engines included) may import them;
:mod:`.runs` (LangChain callbacks) and :mod:`.middleware` (ASGI) sit at the layers they observe.
"""
