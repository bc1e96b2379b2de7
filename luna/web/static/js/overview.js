// Overview: today's 15-minute profile (consumption vs PV) and the next hours' prices with the
// cheapest and most expensive windows marked. The KPI numbers are rendered by the server.
import { api, chart, fmtNumber, fmtTime, ready, siteDay, addDays, t, token } from "./core.js";

const kpis = JSON.parse(document.getElementById("kpi-data")?.textContent || "null");
// Choosing a meter reloads the page for it (wired here: the CSP allows no inline handlers).
document.getElementById("meter-select")?.addEventListener("change", (event) => event.target.form.submit());

async function todayChart() {
  const el = document.getElementById("today-chart");
  if (!el || !kpis) return;
  const day = siteDay(new Date(kpis.as_of));
  const series = await api("/data/smart_meter", {
    query: { meter_id: kpis.meter_ids, start: `${day}T00:00`, end: `${addDays(day, 1)}T00:00`, resolution: "15min" },
  });
  const points = series.points;
  chart(el, () => ({
    tooltip: { trigger: "axis", valueFormatter: (v) => `${fmtNumber(v, 2)} kWh` },
    legend: { data: [t("kpi.consumption"), t("kpi.production")] },
    xAxis: { type: "time", min: `${day}T00:00`, max: `${addDays(day, 1)}T00:00`, axisLabel: { formatter: (v) => fmtTime(v), hideOverlap: true } },
    yAxis: { type: "value", name: "kWh / 15 min" },
    series: [
      { name: t("kpi.consumption"), type: "line", step: "start", showSymbol: false, areaStyle: { opacity: 0.15 },
        data: points.map((p) => [p.ts, p.consumption_kwh]) },
      { name: t("kpi.production"), type: "line", step: "start", showSymbol: false, areaStyle: { opacity: 0.25 },
        lineStyle: { color: token("--luna-chart-2") }, itemStyle: { color: token("--luna-chart-2") },
        data: points.map((p) => [p.ts, p.production_kwh]) },
    ],
  }));
}

function priceChart() {
  const el = document.getElementById("price-chart");
  if (!el || !kpis) return;
  const hours = kpis.prices.next_hours;
  const cheap = kpis.prices.cheapest_window;
  const dear = kpis.prices.most_expensive_window;
  const area = (w, color, label) => (w ? [[{ name: label, xAxis: w.start, itemStyle: { color, opacity: 0.14 } }, { xAxis: w.end }]] : []);
  chart(el, () => ({
    tooltip: { trigger: "axis", valueFormatter: (v) => `${fmtNumber(v, 1)} ct/kWh` },
    legend: { show: false },
    xAxis: { type: "time", axisLabel: { formatter: (v) => fmtTime(v), hideOverlap: true } },
    yAxis: { type: "value", name: "ct/kWh" },
    series: [{
      name: t("kpi.price_now"), type: "bar", barCategoryGap: "10%",
      data: hours.map((h) => ({
        value: [h.ts, h.gross_ct_kwh],
        itemStyle: { color: h.spot_eur_mwh < 0 ? token("--luna-chart-4") : token("--luna-chart-3") },
      })),
      markArea: { silent: true, label: { color: token("--luna-text-muted"), fontSize: 11 },
        data: [...area(cheap, token("--luna-ok"), t("prices.cheapest_short")), ...area(dear, token("--luna-danger"), t("prices.dearest_short"))] },
    }],
  }));
}

await ready;
priceChart();
todayChart().catch((e) => console.error(e));
