// Learning: start/stop cycles, their history with the quality gate's before/after, learned
// states (activate an earlier one or none), and the knowledge-gaps report.
import { api, t, toast, fmtNumber, fmtDateTime, chart, el } from "/ui/static/js/core.js";
import { fill, badge, errorText, poll, tOr } from "/ui/static/js/admin/common.js";

const $ = (id) => document.getElementById(id);
let running = null;

/** Flatten {retrieval: {mrr: 0.5}} into {"retrieval.mrr": 0.5}: numbers only. */
function flat(obj, prefix = "", out = {}) {
  for (const [k, v] of Object.entries(obj || {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "number") out[key] = v;
    else if (v && typeof v === "object" && !Array.isArray(v)) flat(v, key, out);
  }
  return out;
}

/** The metric the history shows: MRR or hit rate of the retrieval suite when present. */
function headlineMetric(cycles) {
  const keys = new Set(cycles.flatMap((c) => Object.keys(flat(c.eval_after))));
  const preferred = [...keys].find((k) => /mrr/.test(k)) || [...keys].find((k) => /hit/.test(k));
  return preferred || [...keys][0] || null;
}

const STATUS_BADGE = { activated: "done", rejected: "cancelled", running: "running", failed: "failed", cancelled: "cancelled" };

function renderCycles(cycles) {
  running = cycles.find((c) => c.status === "running") || null;
  $("learning-stop").disabled = !running;
  $("learning-start").disabled = Boolean(running);
  const metric = headlineMetric(cycles);
  fill($("history-rows"), cycles.length ? cycles.map((c) => {
    const before = flat(c.eval_before)[metric];
    const after = flat(c.eval_after)[metric];
    const quality = metric && (before !== undefined || after !== undefined)
      ? el("span", { class: "mono small" }, `${metric}: ${before === undefined ? "–" : fmtNumber(before, 3)} → ${after === undefined ? "–" : fmtNumber(after, 3)}`)
      : el("span", { class: "muted" }, "–");
    return el("tr", { "data-cycle": c.id, "data-status": c.status },
      el("td", {}, String(c.id)),
      el("td", {}, tOr(`admin.learning.kind_${c.kind}`, c.kind)),
      el("td", {}, badge(STATUS_BADGE[c.status] || c.status, tOr(`admin.learning.status_${c.status}`, c.status)),
        c.status === "running" ? el("div", { class: "muted small" }, `${c.step || ""} ${fmtNumber((c.progress || 0) * 100, 0)} %`) : null),
      el("td", {}, quality),
      el("td", { class: "small" }, c.decision || c.error || "–"),
      el("td", {}, fmtDateTime(c.started_at), el("div", { class: "muted small" }, c.started_by || "")));
  }) : el("tr", {}, el("td", { colspan: 6, class: "empty" }, t("admin.learning.no_cycles"))));

  const done = cycles.filter((c) => metric && flat(c.eval_after)[metric] !== undefined).reverse();
  if (window.echarts && done.length) {
    chart($("learning-chart"), () => ({
      grid: { left: 48, right: 16, top: 28, bottom: 28 },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      xAxis: { type: "category", data: done.map((c) => `#${c.id}`) },
      yAxis: { type: "value", name: metric, scale: true },
      series: [
        { type: "line", name: t("admin.learning.before"), data: done.map((c) => flat(c.eval_before)[metric] ?? null) },
        { type: "line", name: t("admin.learning.after"), data: done.map((c) => flat(c.eval_after)[metric] ?? null) },
      ],
    }));
  } else {
    fill($("learning-chart"), el("p", { class: "empty" }, t("admin.learning.no_trend")));
  }
  return Boolean(running);
}

function renderStates(states) {
  const active = states.find((s) => s.active);
  fill($("learning-state"),
    el("dt", {}, t("admin.learning.active_state")),
    el("dd", {}, active ? `v${active.version}` : t("admin.learning.none_active")),
    active ? [el("dt", {}, t("admin.learning.chunk_weights")), el("dd", {}, fmtNumber(active.chunk_weights, 0)),
      el("dt", {}, t("admin.learning.adapter")), el("dd", {}, active.adapter_dim ? `${active.adapter_dim}-d` : "–"),
      el("dt", {}, t("admin.learning.activated")), el("dd", {}, active.activated_at ? fmtDateTime(active.activated_at) : "–")] : null,
    el("dt", {}, t("admin.learning.cycle")),
    el("dd", {}, running ? badge("running", `#${running.id} · ${running.step || ""}`) : t("admin.learning.idle")));
  fill($("state-rows"), states.length ? states.map((s) => el("tr", { "data-state": s.version },
    el("td", {}, `v${s.version}`, s.active ? [" ", badge("ok", t("admin.prompts.active"))] : null),
    el("td", { class: "num" }, fmtNumber(s.chunk_weights, 0)),
    el("td", {}, s.adapter_dim ? `${s.adapter_dim}-d` : "–"),
    el("td", {}, fmtDateTime(s.created_at)),
    el("td", {}, s.active ? null : el("button", { class: "btn btn-ghost btn-sm", type: "button", onclick: () => activate(s.version) }, t("admin.learning.activate")))))
    : el("tr", {}, el("td", { colspan: 5, class: "empty" }, t("admin.learning.no_states"))));
}

function renderGaps(report) {
  const rows = report.gaps && report.gaps.length ? report.gaps : report.topics || [];
  fill($("gap-rows"), rows.length ? rows.slice(0, 10).map((g) => el("tr", {},
    el("td", {}, g.topic),
    el("td", { class: "num" }, fmtNumber(g.asks, 0)),
    el("td", { class: "num" }, fmtNumber(g.up, 0)),
    el("td", { class: "num" }, fmtNumber(g.down, 0)),
    el("td", { class: "num" }, fmtNumber(g.refused, 0)),
    el("td", { class: "num" }, g.gap_score === undefined ? "–" : fmtNumber(g.gap_score, 2))))
    : el("tr", {}, el("td", { colspan: 6, class: "empty" }, t("admin.learning.no_gaps"))));
  const hidden = Object.values(report.suppressed_groups || {}).reduce((a, b) => a + b, 0);
  $("gaps-note").textContent = t("admin.learning.gaps_note", { n: report.min_group, hidden });
}

async function refresh() {
  const [cycles, states] = await Promise.all([api("/learning/cycles", { query: { limit: 20 } }), api("/learning/states")]);
  renderCycles(cycles);
  renderStates(states);
}

async function start(event) {
  event.preventDefault();
  try {
    const c = await api("/learning/cycles", { method: "POST", body: { kind: new FormData(event.target).get("kind") } });
    toast(t("admin.learning.started_cycle", { id: c.id }), "ok");
  } catch (err) { toast(errorText(err), "danger"); }
  await refresh();
}

async function stop() {
  if (!running) return;
  try { await api(`/learning/cycles/${running.id}/cancel`, { method: "POST" }); } catch (err) { toast(errorText(err), "danger"); }
  await refresh();
}

async function activate(version) {
  const message = version === null ? t("admin.learning.confirm_neutral") : t("admin.learning.confirm_activate", { version });
  if (!window.confirm(message)) return;
  try {
    await api("/learning/rollback", { method: "POST", body: { version } });
    toast(t("admin.learning.rolled_back"), "ok");
  } catch (err) { toast(errorText(err), "danger"); }
  await refresh();
}

if ($("learning-form")) {
  $("learning-form").addEventListener("submit", start);
  $("learning-stop").addEventListener("click", stop);
  $("learning-neutral").addEventListener("click", () => activate(null));
  poll(refresh, 4000);
  api("/learning/gaps").then(renderGaps).catch((err) => fill($("gap-rows"), el("tr", {}, el("td", { colspan: 6, class: "alert alert-danger" }, errorText(err)))));
}
