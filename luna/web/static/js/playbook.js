// Playbook detail: the recommendation, its schedule, the engine's figures, the passages and
// data it rests on, and accept/dismiss. While the job runs, its stages and the model's remark
// stream in over Server-Sent Events (GET /playbooks/{id}/events).
import { api, chart, fmtNumber, fmtDateTime, fmtTime, ready, sseFetch, t, toast, token, el } from "./core.js";
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
    if (job.status === "failed") {
      status.replaceChildren(el("div", { class: "alert alert-danger", role: "status", text: `${t("playbook.status.failed")}: ${job.error || ""}` }));
    } else if (job.status === "cancelled") {
      status.replaceChildren(el("div", { class: "alert alert-info", role: "status", text: t("playbook.status.cancelled") }));
    } else {
      follow().catch(() => setTimeout(load, 3000)); // no stream (a proxy cut it): poll instead
    }
    return;
  }
  const remark = document.getElementById("pb-remark");
  remark.hidden = !result.remark;
  document.getElementById("pb-remark-text").textContent = result.remark || "";
  status.replaceChildren(
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

// The running job's stages as a checklist, the remark as it is written; the finished playbook
// is loaded when the stream says done.
async function follow() {
  const status = document.getElementById("pb-status");
  const stages = el("ol", { class: "stages", id: "pb-stages" });
  status.replaceChildren(el("div", { class: "alert alert-info", role: "status" }, el("div", { text: t("playbook.working") }), stages));
  const remarkText = document.getElementById("pb-remark-text");
  await sseFetch(`/playbooks/${id}/events`, undefined, (event, data) => {
    if (event === "progress") {
      stages.querySelector("li:last-child")?.classList.add("done");
      stages.append(el("li", { "data-stage": data.stage, text: t(`playbook.stage.${data.stage}`) }));
    } else if (event === "remark") {
      document.getElementById("pb-remark").hidden = false;
      remarkText.textContent += data.text;
    } else if (event === "done") {
      load().catch((e) => status.replaceChildren(el("div", { class: "alert alert-danger", text: e.message })));
    }
  });
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
