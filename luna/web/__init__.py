"""The web UI: server-rendered pages (FastAPI + Jinja2) over the JSON API, with small
vanilla-JS modules for charts (Apache ECharts, vendored from npm) and streaming chat."""
