// Prices: day-ahead prices (gross working price or spot), negative hours highlighted, and the
// price forecast with its 80 % band after the last known price.
import { api, chart, fmtNumber, fmtDate, fmtDateTime, ready, siteDay, addDays, t, token, timeAxisLabel, el } from "./core.js";

const form = document.getElementById("price-controls");
form.addEventListener("submit", (event) => event.preventDefault()); // no inline handlers (CSP)
const note = document.getElementById("price-note");
const chartEl = document.getElementById("prices-chart");
const RANGE_DAYS = { day: 1, week: 7, month: 30 };
// The tariff's surcharges and VAT come from /data/kpis (the same figures as the costs there);
// without them the chart falls back to spot prices.
let tariff = null;
const selected = (name) => form.querySelector(`input[name="${name}"]:checked`).value;
const gross = (spot) => (spot / 10 + tariff.surcharges_net_ct_kwh) * (1 + tariff.vat);

let latest = 0; // only the newest request may draw

async function load() {
  const ticket = ++latest;
  const days = RANGE_DAYS[selected("range")];
  if (!tariff) tariff = (await api("/data/kpis").catch(() => null))?.tariff ?? null;
  const unit = tariff ? selected("unit") : "mwh";
  const value = (spot) => (unit === "ct" ? gross(spot) : spot);
  const end = addDays(siteDay(), 2); // day-ahead: tomorrow is known after ~13:00
  const start = addDays(siteDay(), 1 - days);
  const data = await api("/data/market_prices", { query: { start: `${start}T00:00`, end: `${end}T00:00`, resolution: "hour" } });
  const points = data.points;
  if (ticket !== latest) return;
  note.textContent = `${fmtDate(start + "T12:00")} – ${fmtDate(addDays(end, -1) + "T12:00")} · ${data.zone}`;
  const negatives = points.filter((p) => p.price_eur_mwh < 0);
  const label = unit === "ct" ? "ct/kWh" : "€/MWh";
  // Prices first; the forecast band joins when its response arrives (a stored forecast comes
  // back at once, one not stored yet is computed, which takes seconds).
  const draw = (fc) => chart(chartEl, () => ({
    legend: { data: [t("prices.day_ahead"), ...(fc ? [t("prices.forecast")] : [])] },
    tooltip: { trigger: "axis", valueFormatter: (v) => (typeof v === "number" ? `${fmtNumber(v, unit === "ct" ? 1 : 1)} ${label}` : v) },
    grid: { bottom: 80 },
    xAxis: { type: "time", axisLabel: { formatter: timeAxisLabel(days + 1), hideOverlap: true } },
    yAxis: { type: "value", name: label },
    dataZoom: [{ type: "inside" }, { type: "slider", height: 22, bottom: 16 }],
    series: [
      { name: t("prices.day_ahead"), type: "bar", barCategoryGap: "5%",
        itemStyle: { color: token("--luna-chart-3") },
        data: points.map((p) => ({ value: [p.ts, value(p.price_eur_mwh)], itemStyle: p.price_eur_mwh < 0 ? { color: token("--luna-chart-4") } : undefined })),
        markLine: unit === "mwh" ? { silent: true, symbol: "none", data: [{ yAxis: 0 }], lineStyle: { color: token("--luna-text-muted") } } : undefined },
      ...(fc ? [
        { name: "p10", type: "line", stack: "band", data: fc.points.map((p) => [p.ts, value(p.p10)]), lineStyle: { opacity: 0 }, showSymbol: false, silent: true, tooltip: { show: false } },
        { name: "band", type: "line", stack: "band", data: fc.points.map((p) => [p.ts, value(p.p90) - value(p.p10)]), lineStyle: { opacity: 0 }, showSymbol: false,
          areaStyle: { color: token("--luna-chart-6"), opacity: 0.25 }, silent: true, tooltip: { show: false } },
        { name: t("prices.forecast"), type: "line", data: fc.points.map((p) => [p.ts, value(p.value)]), showSymbol: false,
          lineStyle: { type: "dashed", color: token("--luna-chart-6") }, itemStyle: { color: token("--luna-chart-6") } },
      ] : []),
    ],
  }));
  draw(null);
  chartEl.dataset.points = String(points.length);
  chartEl.dataset.negative = String(negatives.length);
  const prices = points.map((p) => p.price_eur_mwh);
  const min = points.reduce((m, p) => (p.price_eur_mwh < m.price_eur_mwh ? p : m), points[0]);
  const max = points.reduce((m, p) => (p.price_eur_mwh > m.price_eur_mwh ? p : m), points[0]);
  const mean = prices.reduce((s, x) => s + x, 0) / (prices.length || 1);
  const stat = (name, text, id) => el("article", { class: "card stat", id }, el("span", { class: "muted small", text: name }), el("span", { class: "stat-value", text }));
  document.getElementById("price-summary").replaceChildren(
    stat(t("prices.mean"), `${fmtNumber(value(mean), 1)} ${label}`, "price-mean"),
    stat(t("prices.min"), min ? `${fmtNumber(value(min.price_eur_mwh), 1)} ${label} · ${fmtDateTime(min.ts)}` : "–", "price-min"),
    stat(t("prices.max"), max ? `${fmtNumber(value(max.price_eur_mwh), 1)} ${label} · ${fmtDateTime(max.ts)}` : "–", "price-max"),
    stat(t("prices.negative_count"), fmtNumber(negatives.length, 0), "price-negative"),
  );
  if (!document.getElementById("show-forecast").checked) return;
  const fc = await api("/data/forecast", { query: { kind: "price", hours: 48 } }).catch(() => null);
  if (ticket !== latest || !fc) return;
  draw(fc);
}

await ready;
form.addEventListener("change", () => load().catch((e) => (note.textContent = `${t("common.error")}: ${e.message}`)));
load().catch((e) => (note.textContent = `${t("common.error")}: ${e.message}`));
