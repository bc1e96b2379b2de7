// System: component health, resources, the model and request statistics (GET /admin/system),
// and every background job on the queue (GET /jobs), with cancel.
import { api, t, fmtNumber, fmtDateTime, fmtTime, chart, el, toast } from "/ui/static/js/core.js";
import { recentTimeAxis, fill, fmtBytes, fmtPercent, errorText, poll, tOr, badge } from "/ui/static/js/admin/common.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 5000;
const cpuHistory = [];

function meterBar(percent) {
  const level = percent >= 90 ? " critical" : percent >= 75 ? " high" : "";
  return el("div", { class: `meter${level}`, role: "meter", "aria-valuenow": Math.round(percent), "aria-valuemin": 0, "aria-valuemax": 100 },
    el("span", { style: `width:${Math.min(100, percent)}%` }));
}

function resourceCard(label, value, percent, sub, tip) {
  return el("div", { class: "card kpi" },
    el("span", { class: "kpi-label" }, label, tip ? [" ", el("span", { class: "help", tabindex: 0, "data-tip": tip }, "?")] : null),
    el("span", { class: "kpi-value" }, value),
    percent !== null ? meterBar(percent) : null,
    el("span", { class: "muted small" }, sub));
}

function render(s) {
  $("system-updated").textContent = t("admin.system.checked", { time: fmtTime(s.checked_at) });
  fill($("components"), s.components.map((c) => el("li", { class: `component ${c.ok ? "ok" : "down"}`, "data-component": c.name },
    el("span", { class: "dot", "aria-hidden": "true" }),
    el("div", {}, el("strong", {}, tOr(`admin.component.${c.name}`, c.name)),
      el("span", { class: "sr-only" }, c.ok ? t("admin.status.ok") : t("admin.status.down")),
      el("div", { class: "muted" }, c.detail),
      el("div", { class: "muted" }, `${fmtNumber(c.latency_ms, 1)} ms`)))));

  const m = s.resources.machine;
  const p = s.resources.process;
  fill($("resources"),
    resourceCard(t("admin.system.cpu"), fmtPercent(m.cpu_percent), m.cpu_percent,
      t("admin.system.cpu_sub", { cores: m.cpu_count, load: m.load_average.map((x) => fmtNumber(x, 2)).join(" / ") }), t("admin.system.cpu_help")),
    resourceCard(t("admin.system.memory"), fmtPercent(m.memory_percent), m.memory_percent,
      t("admin.system.memory_sub", { free: fmtBytes(m.memory_available_bytes), total: fmtBytes(m.memory_total_bytes) })),
    resourceCard(t("admin.system.disk"), fmtPercent(m.disk_percent), m.disk_percent,
      t("admin.system.disk_sub", { free: fmtBytes(m.disk_free_bytes), path: m.disk_path })),
    resourceCard(t("admin.system.process"), fmtBytes(p.rss_bytes), null,
      t("admin.system.process_sub", { cpu: fmtPercent(p.cpu_percent), threads: p.threads, uptime: fmtNumber(p.uptime_s / 3600, 1) }), t("admin.system.process_help")));

  fill($("model-facts"),
    el("dt", {}, t("admin.system.backend")), el("dd", {}, s.model.backend),
    el("dt", {}, t("admin.system.model_name")), el("dd", { class: "mono small" }, s.model.name),
    el("dt", {}, t("admin.system.model_loaded")), el("dd", {}, el("span", { class: `badge ${s.model.loaded ? "badge-ok" : "badge-muted"}` }, s.model.loaded ? t("admin.system.loaded") : t("admin.system.not_loaded"))),
    el("dt", {}, t("admin.system.version")), el("dd", {}, s.version),
    el("dt", {}, t("admin.system.overall")), el("dd", {}, el("span", { class: `badge ${s.status === "ok" ? "badge-ok" : "badge-danger"}` }, tOr(`admin.status.${s.status}`, s.status))));

  // API and page routes by traffic; static files and unknown paths ("<unmatched>") last.
  const routes = [...s.requests.routes].sort((a, b) => (a.route.startsWith("<") - b.route.startsWith("<")) || b.requests - a.requests);
  $("requests-window").textContent = t("admin.system.window", { minutes: fmtNumber(s.requests.window_s / 60, 0) });
  fill($("request-rows"), routes.length ? routes.map((r) => el("tr", {},
    el("td", { class: "mono small" }, `${r.method} ${r.route}`),
    el("td", { class: "num" }, fmtNumber(r.total_since_start, 0)),
    el("td", { class: "num" }, fmtNumber(r.rate_per_s * 60, 1)),
    el("td", { class: `num${r.errors ? " delta-down" : ""}` }, fmtNumber(r.errors, 0)),
    el("td", { class: "num" }, `${fmtNumber(r.p50_ms, 0)} ms`),
    el("td", { class: "num" }, `${fmtNumber(r.p95_ms, 0)} ms`),
    el("td", { class: "num" }, `${fmtNumber(r.p99_ms, 0)} ms`)))
    : el("tr", {}, el("td", { colspan: 7, class: "empty" }, t("admin.system.no_requests", { minutes: fmtNumber(s.requests.window_s / 60, 0) }))));

  cpuHistory.push([Date.now(), m.cpu_percent]);
  while (cpuHistory.length > 120) cpuHistory.shift();
  if (window.echarts) {
    chart($("cpu-chart"), () => ({
      grid: { left: 52, right: 12, top: 12, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: recentTimeAxis(cpuHistory),
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value} %" } },
      series: [{ type: "line", name: t("admin.system.cpu"), showSymbol: cpuHistory.length < 3, areaStyle: { opacity: 0.15 }, data: cpuHistory }],
    }));
  }
}

// --- jobs -------------------------------------------------------------------------------

const JOB_LIMIT = 50;
const activeJob = (j) => j.state === "queued" || j.state === "running";

function seconds(from, to) {
  return from && to ? (new Date(to) - new Date(from)) / 1000 : null;
}

function jobRow(j) {
  const pct = j.total ? Math.min(100, (j.done / j.total) * 100) : j.state === "done" ? 100 : 0;
  const duration = seconds(j.started_at, j.finished_at ?? (j.state === "running" ? new Date().toISOString() : null));
  return el("tr", { "data-job": j.id, "data-kind": j.kind, "data-state": j.state },
    el("td", {}, String(j.id)),
    el("td", {}, tOr(`admin.jobs.kind_${j.kind}`, j.kind), j.attempts > 1 ? el("div", { class: "muted small" }, t("admin.jobs.attempts", { n: j.attempts })) : null),
    el("td", {}, el("div", { class: `progress${j.state === "done" ? " done" : j.state === "failed" ? " failed" : ""}`, role: "progressbar", "aria-valuenow": Math.round(pct), "aria-valuemin": 0, "aria-valuemax": 100 },
      el("span", { style: `width:${pct}%` })), el("span", { class: "muted small" }, j.total ? `${fmtNumber(j.done, 0)}/${fmtNumber(j.total, 0)}` : "")),
    el("td", {}, badge(j.state), j.error ? el("div", { class: "small", style: "color:var(--luna-danger)" }, j.error) : null),
    el("td", { class: "small" }, j.queued_at ? fmtDateTime(j.queued_at) : "–"),
    el("td", { class: "num" }, duration !== null ? `${fmtNumber(duration, 1)} s` : "–"),
    el("td", {}, activeJob(j) ? el("button", { class: "btn btn-ghost btn-sm", type: "button", disabled: j.cancel_requested, onclick: () => cancelJob(j.id) }, t("admin.jobs.cancel")) : null));
}

async function refreshJobs() {
  const params = new URLSearchParams({ limit: String(JOB_LIMIT) });
  for (const name of ["kind", "state"]) {
    const value = $(`jobs-${name}`).value;
    if (value) params.set(name, value);
  }
  try {
    const jobs = await api(`/jobs?${params}`);
    fill($("job-rows"), jobs.length ? jobs.map(jobRow) : el("tr", {}, el("td", { colspan: 7, class: "empty" }, t("admin.jobs.none"))));
  } catch (err) {
    fill($("job-rows"), el("tr", {}, el("td", { colspan: 7, class: "alert alert-danger" }, errorText(err))));
  }
}

async function cancelJob(id) {
  try {
    await api(`/jobs/${id}/cancel`, { method: "POST" });
    toast(t("admin.jobs.cancelled", { id }), "ok");
  } catch (err) {
    toast(errorText(err), "danger");
  }
  await refreshJobs();
}

if ($("components")) {
  $("jobs-kind").addEventListener("change", refreshJobs);
  $("jobs-state").addEventListener("change", refreshJobs);
  poll(async () => {
    try { render(await api("/admin/system")); } catch (err) { fill($("components"), el("li", { class: "alert alert-danger" }, errorText(err))); }
    await refreshJobs();
  }, REFRESH_MS);
}
