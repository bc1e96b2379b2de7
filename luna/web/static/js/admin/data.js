// Data: what is stored, the live feed (refreshing every few seconds), backfill jobs.
import { api, t, toast, fmtNumber, fmtDateTime, chart, el } from "/ui/static/js/core.js";
import { recentTimeAxis, fill, badge, errorText, poll, tOr } from "/ui/static/js/admin/common.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 3000;
const rateHistory = []; // [time, messages/s or rows/s]
let lastRows = null;

function fact(label, value) {
  return [el("dt", {}, label), el("dd", {}, value ?? "–")];
}

function renderSource(src) {
  const state = src.state;
  const facts = $("source-facts");
  $("source-live").hidden = !state;
  $("source-start").disabled = !state || state.running;
  $("source-stop").disabled = !state || !state.running;
  if (!state) {
    fill(facts, fact(t("admin.data.configured"), t("admin.data.none_configured")));
    fill($("rate-chart"), el("p", { class: "empty" }, t("admin.data.no_feed")));
    return;
  }
  // Every connector (MQTT, Redis Streams, Modbus TCP) reports the same counters; the simulator
  // reports what it wrote.
  const connector = state.source !== "simulator";
  const items = [fact(t("admin.data.configured"), tOr(`admin.data.kind_${state.source}`, state.source)),
    fact(t("admin.data.state"), badge(state.stale ? "stale" : state.running ? "running" : "stopped"))];
  // A feed in a process of its own (`luna feed`): which one, and when it last stored its status.
  if (state.process) items.push(fact(t("admin.data.process"), state.process));
  if (state.heartbeat_at) items.push(fact(t("admin.data.heartbeat"), fmtDateTime(state.heartbeat_at)));
  if (connector) {
    items.push(
      fact(t("admin.data.connected"), badge(state.connected ? "connected" : "disconnected")),
      fact(t("admin.data.rate_now"), `${fmtNumber(state.messages_per_second, 1)} ${t("admin.data.per_second")}`),
      fact(t("admin.data.received"), fmtNumber(state.received, 0)),
      fact(t("admin.data.written"), fmtNumber(state.written, 0)),
      fact(t("admin.data.rejected"), el("span", { class: state.rejected ? "badge badge-warn" : "" }, fmtNumber(state.rejected, 0))),
      fact(t("admin.data.last_message"), state.last_message_at ? fmtDateTime(state.last_message_at) : t("admin.data.never")),
      fact(t("admin.data.reconnects"), fmtNumber(state.reconnects, 0)));
    rateHistory.push([Date.now(), state.messages_per_second]);
  } else {
    items.push(
      fact(t("admin.data.sim_meters"), fmtNumber(state.meters, 0)),
      fact(t("admin.data.written_until"), state.written_until ? fmtDateTime(state.written_until) : "–"),
      fact(t("admin.data.rows_written"), fmtNumber(state.rows_written, 0)),
      fact(t("admin.data.last_tick"), state.last_tick_at ? fmtDateTime(state.last_tick_at) : t("admin.data.never")));
    const now = Date.now();
    if (lastRows !== null) rateHistory.push([now, Math.max(0, (state.rows_written - lastRows.rows) / ((now - lastRows.at) / 1000))]);
    lastRows = { rows: state.rows_written, at: now };
  }
  if (state.last_error) items.push(fact(t("admin.data.last_error"), el("span", { class: "badge badge-danger" }, state.last_error)));
  fill(facts, items);
  while (rateHistory.length > 120) rateHistory.shift();
  renderRate();
}

function renderRate() {
  const node = $("rate-chart");
  if (!window.echarts) return;
  chart(node, () => ({
    grid: { left: 48, right: 16, top: 16, bottom: 32 },
    tooltip: { trigger: "axis" },
    xAxis: recentTimeAxis(rateHistory),
    yAxis: { type: "value", min: 0 },
    series: [{ type: "line", name: t("admin.data.rate_now"), showSymbol: rateHistory.length < 3, areaStyle: { opacity: 0.15 }, data: rateHistory }],
  }));
}

async function refreshOverview() {
  const o = await api("/admin/data");
  $("kpi-meters").textContent = fmtNumber(o.meters, 0);
  $("kpi-readings").textContent = `${o.readings_exact ? "" : "≈ "}${fmtNumber(o.readings, 0)}`;
  $("kpi-last").textContent = o.last_reading ? fmtDateTime(o.last_reading) : "–";
  $("kpi-prices").textContent = o.prices_until ? fmtDateTime(o.prices_until) : "–";
  renderSource(o.source);
}

async function refreshSource() {
  renderSource(await api("/admin/data/source"));
}

async function control(action) {
  try {
    renderSource(await api(`/admin/data/source/${action}`, { method: "POST" }));
    toast(t(action === "start" ? "admin.data.resumed" : "admin.data.paused"), "ok");
  } catch (err) {
    toast(errorText(err), "danger");
  }
}

// --- backfills --------------------------------------------------------------------------

// A backfill is a job on the queue: it waits ("queued") until a worker takes it.
const active = (j) => j.state === "queued" || j.state === "running";

function renderJobs(jobs) {
  if (!jobs.length) {
    fill($("backfill-rows"), el("tr", {}, el("td", { colspan: 6, class: "muted" }, t("admin.data.bf_none"))));
    return false;
  }
  fill($("backfill-rows"), jobs.map((j) => {
    const pct = j.meters ? (j.meters_done / j.meters) * 100 : 0;
    return el("tr", { "data-job": j.id, "data-state": j.state },
      el("td", {}, String(j.id)),
      el("td", {}, t("admin.data.bf_scope_value", { meters: fmtNumber(j.meters, 0), days: fmtNumber(j.days, 0) })),
      el("td", {}, el("div", { class: `progress${j.state === "done" ? " done" : j.state === "failed" ? " failed" : ""}`, role: "progressbar", "aria-valuenow": Math.round(pct), "aria-valuemin": 0, "aria-valuemax": 100 },
        el("span", { style: `width:${pct}%` })), el("span", { class: "muted small" }, `${j.meters_done}/${j.meters}`)),
      el("td", { class: "num", title: t("admin.data.bf_written_help") }, `${fmtNumber(j.readings, 0)} (${fmtNumber(j.readings_written, 0)})`),
      el("td", {}, badge(j.state), j.error ? el("div", { class: "small", style: "color:var(--luna-danger)" }, j.error) : null,
        j.duration_s !== null ? el("div", { class: "muted small" }, `${fmtNumber(j.duration_s, 1)} s`) : null),
      el("td", {}, active(j) ? el("button", { class: "btn btn-ghost btn-sm", type: "button", disabled: j.cancel_requested, onclick: () => cancelJob(j.id) }, t("admin.data.bf_cancel")) : null));
  }));
  return jobs.some(active);
}

async function refreshJobs() {
  return renderJobs(await api("/admin/data/backfills"));
}

async function startBackfill(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { meters: Number(form.get("meters")), days: Number(form.get("days")), seed: Number(form.get("seed")) };
  try {
    await api("/admin/data/backfills", { method: "POST", body });
    toast(t("admin.data.bf_started"), "ok");
  } catch (err) {
    toast(errorText(err), "danger");
  }
  await refreshJobs();
}

async function cancelJob(id) {
  try { await api(`/admin/data/backfills/${id}/cancel`, { method: "POST" }); } catch (err) { toast(errorText(err), "danger"); }
  await refreshJobs();
}

$("source-start").addEventListener("click", () => control("start"));
$("source-stop").addEventListener("click", () => control("stop"));
$("backfill-form").addEventListener("submit", startBackfill);

let overviewTick = 0;
poll(async () => {
  // The feed every tick; the stored-data figures (a few SQL look-ups) every fifth.
  if (overviewTick++ % 5 === 0) await refreshOverview(); else await refreshSource();
  await refreshJobs();
}, REFRESH_MS);
