// Playbook detail: the recommendation, its schedule, the engine's figures, the passages and
// data it rests on, and accept/dismiss. Polls while the job is still running.
import { api, chart, fmtNumber, fmtDateTime, fmtTime, ready, t, toast, token, el } from "./core.js";
import { openPassage } from "./passage.js";

const root = document.getElementById("playbook");
const id = root.dataset.id;

function figures(list) {
  return list.map((f) => el("div", { class: "figure", "data-key": f.key },
    el("div", { class: "muted small", text: f.label }),
    el("div", { class: "stat-value", text: `${fmtNumber(f.value, f.unit === "EUR" ? 2 : 1)} ${f.unit === "EUR" ? "€" : f.unit}` })));
}

// The plan over its horizon: the hourly working price as bars, each action's run window as a
// shaded band labelled with its device.
async function scheduleChart(job) {
  const result = job.result;
  const actions = result.actions.filter((a) => a.start && a.end);
  const chartEl = document.getElementById("pb-chart");
  if (!actions.length) { chartEl.replaceChildren(el("p", { class: "empty", text: t("playbook.no_schedule") })); chartEl.classList.remove("chart"); return; }
  const hour = 3600e3;
  const from = new Date(Math.floor(new Date(result.generated_at).getTime() / hour) * hour);
  const until = new Date(Math.max(from.getTime() + (job.request.horizon_hours || 24) * hour, ...actions.map((a) => new Date(a.end).getTime())));
  const prices = await api("/data/market_prices", { query: { start: from.toISOString(), end: until.toISOString(), resolution: "hour" } }).catch(() => null);
  chart(chartEl, () => ({
    tooltip: { trigger: "axis", valueFormatter: (v) => `${fmtNumber(v, 1)} €/MWh` },
    legend: { show: false },
    xAxis: { type: "time", min: from.toISOString(), max: until.toISOString(), axisLabel: { formatter: (v) => fmtTime(v), hideOverlap: true } },
    yAxis: { type: "value", name: "€/MWh" },
    series: [{
      name: t("prices.day_ahead"), type: "bar", barCategoryGap: "10%", itemStyle: { color: token("--luna-chart-3"), opacity: 0.55 },
      data: (prices?.points || []).map((p) => [p.ts, p.price_eur_mwh]),
      markArea: { label: { color: token("--luna-text"), fontWeight: 600, position: "insideTop" },
        data: actions.map((a) => [{ name: a.device, xAxis: a.start, itemStyle: { color: token("--luna-chart-4"), opacity: 0.28 } }, { xAxis: a.end }]) },
    }],
  }));
  chartEl.dataset.actions = String(actions.length);
}

function render(job) {
  const result = job.result;
  document.getElementById("pb-meta").textContent = `${job.meter_id} · ${t(`playbook.kind.${job.kind}`)} · ${fmtDateTime(job.created_at)}${job.model ? ` · ${job.model}` : ""}`;
  const status = document.getElementById("pb-status");
  if (job.status !== "ready") {
    document.getElementById("pb-title").textContent = t(`playbook.kind.${job.kind}`);
    status.replaceChildren(el("div", { class: job.status === "failed" ? "alert alert-danger" : "alert alert-info", role: "status",
      text: job.status === "failed" ? `${t("playbook.status.failed")}: ${job.error || ""}` : t("playbook.working") }));
    if (job.status !== "failed") setTimeout(load, 3000);
    return;
  }
  status.replaceChildren(...(result.text_source === "template" ? [el("div", { class: "alert alert-info", text: t("playbook.template_note") })] : []),
    el("span", { class: `badge ${job.review === "accepted" ? "badge-ok" : job.review === "dismissed" ? "badge-muted" : "badge-warn"}`, id: "pb-review", text: t(`playbook.review.${job.review}`) }));
  document.getElementById("pb-title").textContent = result.title;
  document.getElementById("pb-summary").textContent = result.summary;
  document.getElementById("pb-risks").replaceChildren(...result.risks.map((r) => el("li", { text: r })));
  document.getElementById("pb-figures").replaceChildren(...figures(result.figures));
  document.querySelector("#pb-actions-table tbody").replaceChildren(...result.actions.map((a) => el("tr", {},
    el("td", {}, el("strong", { text: a.title }), el("div", { class: "muted small", text: a.detail })),
    el("td", { text: a.window || (a.start ? `${fmtDateTime(a.start)}–${fmtTime(a.end)}` : "–") }),
    el("td", { class: "num", text: a.energy_kwh != null ? `${fmtNumber(a.energy_kwh, 1)} kWh` : "–" }),
    el("td", { class: "num", text: a.cost_change_eur != null ? `${fmtNumber(-a.cost_change_eur || 0, 2)} €` : "–" }),
    el("td", {}, el("span", { class: "badge badge-muted", text: t(`playbook.confidence.${a.confidence}`) })))));
  if (!result.citations.length) document.getElementById("pb-citations").replaceWith(el("p", { class: "muted", id: "pb-citations", text: t("playbook.no_sources") }));
  else document.getElementById("pb-citations").replaceChildren(...result.citations.map((c) => el("li", {},
    el("button", { class: "cite-link", type: "button", onclick: () => openPassage(c), text: `[${c.n}] ${c.title}${c.page ? `, ${t("chat.page")} ${c.page}` : ""}` }),
    el("div", { class: "muted small", text: c.quote }))));
  document.getElementById("pb-assumptions").replaceChildren(...result.assumptions.map((a) => el("li", { text: a })));
  const ev = result.evidence;
  document.getElementById("pb-evidence").replaceChildren(
    el("dt", { text: t("playbook.data_window") }), el("dd", { text: ev.data_window }),
    el("dt", { text: t("playbook.price_source") }), el("dd", { text: ev.price_source }),
    ...(ev.forecasts || []).flatMap((f) => [el("dt", { text: t("playbook.forecast") }), el("dd", { text: Object.entries(f).map(([k, v]) => `${k}: ${typeof v === "number" ? fmtNumber(v, 2) : v}`).join(", ") })]),
  );
  document.getElementById("pb-actions").hidden = job.review !== "open";
  scheduleChart(job).catch((e) => console.error(e));
}

async function load() {
  render(await api(`/playbooks/${id}`));
}

document.getElementById("pb-actions").addEventListener("click", async (event) => {
  const review = event.target.closest("button")?.dataset.review;
  if (!review) return;
  try {
    await api(`/playbooks/${id}`, { method: "PATCH", body: { review } });
    toast(t(`playbook.review.${review}`), "ok");
    await load();
  } catch (e) {
    toast(`${t("common.error")}: ${e.message}`, "danger");
  }
});

await ready;
load().catch((e) => document.getElementById("pb-status").replaceChildren(el("div", { class: "alert alert-danger", text: e.message })));
