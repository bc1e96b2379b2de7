"""Grafana provisioning, checked structurally (Grafana itself is not installable here).

Every panel queries the provisioned Prometheus datasource, and every metric its PromQL names is
one that Luna's registry actually exposes, with labels that metric has; the provisioning files
point at the folders compose.yaml mounts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from luna.observability import metrics
from luna.observability.metrics import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
# Series Prometheus itself adds to every scraped target.
SCRAPE_SERIES = {"up": set(), "scrape_duration_seconds": set()}
TARGET_LABELS = {"job", "instance", "service"}
_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
    "info": ("_info",),
    "summary": ("_count", "_sum", "_created", ""),
}
_PROMQL_WORDS = {
    "sum", "rate", "increase", "by", "without", "histogram_quantile", "clamp_min", "avg",
    "max", "min", "count", "irate", "on", "ignoring", "and", "or", "unless", "le", "e",
}  # fmt: skip


def exposed_series() -> dict[str, set[str]]:
    """Every sample name the registry can produce, with the label names of its metric."""
    labels_of = {
        m._name: set(m._labelnames)
        for m in vars(metrics).values()
        if isinstance(m, MetricWrapperBase)
    }
    series: dict[str, set[str]] = dict(SCRAPE_SERIES)
    for family in REGISTRY.collect():
        for suffix in _SUFFIXES.get(family.type, ("",)):
            name = family.name + suffix
            series[name] = labels_of.get(family.name, set()) | (
                {"le"} if suffix == "_bucket" else set()
            )
        for sample in family.samples:
            series.setdefault(sample.name, set()).update(sample.labels)
    return series


def metric_names(expr: str) -> set[str]:
    """Identifiers of a PromQL expression that are neither functions, keywords nor labels."""
    without_strings = re.sub(r'"[^"]*"', "", expr)
    without_selectors = re.sub(r"\{[^}]*\}", "", without_strings)
    without_groupings = re.sub(r"\b(by|without)\s*\([^)]*\)", "", without_selectors)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_groupings)
    words = set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", without_ranges))
    return words - _PROMQL_WORDS


def used_labels(expr: str) -> set[str]:
    selectors = re.findall(r"\{([^}]*)\}", expr)
    in_selectors = {m for s in selectors for m in re.findall(r"(\w+)\s*[=!]~?", s)}
    groupings = re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", expr)
    return in_selectors | {g.strip() for group in groupings for g in group.split(",") if g.strip()}


def test_a_typo_in_a_metric_name_would_be_caught():
    assert metric_names('sum by (route) (rate(luna_http_requests_totl{status=~"5.."}[5m]))') == {
        "luna_http_requests_totl"
    }
    assert "luna_http_requests_totl" not in exposed_series()


@pytest.fixture(scope="module")
def datasource() -> dict[str, Any]:
    provisioned = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yaml").read_text())
    (source,) = provisioned["datasources"]
    return source  # type: ignore[no-any-return]


def test_there_are_platform_and_energy_dashboards():
    assert {p.name for p in DASHBOARDS} >= {"platform-health.json", "energy-kpis.json"}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_panel_queries_metrics_luna_exposes(path: Path, datasource: dict[str, Any]):
    dashboard = json.loads(path.read_text())
    assert dashboard["uid"]
    assert dashboard["title"]
    assert int(dashboard["schemaVersion"]) >= 30
    series = exposed_series()
    panels = dashboard["panels"]
    assert len(panels) >= 6
    assert len({p["id"] for p in panels}) == len(panels)
    for panel in panels:
        where = f"{path.name}: {panel.get('title')}"
        assert panel["title"]
        assert panel["type"] in {"timeseries", "stat", "gauge", "table"}
        assert set(panel["gridPos"]) >= {"h", "w", "x", "y"}, where
        assert panel["datasource"] == {"type": "prometheus", "uid": datasource["uid"]}, where
        assert panel["targets"], where
        for target in panel["targets"]:
            expr = target["expr"]
            assert target["refId"], where
            assert expr.count("(") == expr.count(")")
            assert expr.count("{") == expr.count("}")
            names = metric_names(expr)
            assert names, f"{where}: no metric in {expr}"
            unknown = names - set(series)
            assert not unknown, f"{where}: {sorted(unknown)} not exposed by Luna"
            known_labels = set().union(*(series[n] for n in names)) | TARGET_LABELS
            assert used_labels(expr) <= known_labels, f"{where}: labels in {expr}"


def test_provisioning_points_at_the_mounted_dashboards_and_the_prometheus_service(
    datasource: dict[str, Any],
):
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    grafana = compose["services"]["grafana"]
    mounts = dict(reversed(m.rsplit(":", 2)[:2]) for m in grafana["volumes"])  # target -> source
    providers = yaml.safe_load((GRAFANA / "provisioning/dashboards/dashboards.yaml").read_text())
    for provider in providers["providers"]:
        source = ROOT / mounts[provider["options"]["path"]]
        assert sorted(source.glob("*.json")) == DASHBOARDS
    assert (ROOT / mounts["/etc/grafana/provisioning"] / "datasources").is_dir()
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert (ROOT / mounts["/var/lib/grafana/dashboards"] / Path(home).name).is_file()
    host = re.match(r"http://([\w-]+):9090$", datasource["url"])
    assert host is not None
    assert host.group(1) in compose["services"]
