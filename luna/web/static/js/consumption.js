// Consumption & production: one meter's series for a range and resolution, with zoom and the
// forecast (point and 80 % band) overlaid after the last reading.
import { api, chart, fmtNumber, fmtDate, fmtDateTime, fmtKwh, ready, siteDay, addDays, t, token, timeAxisLabel, el } from "./core.js";

const form = document.getElementById("series-controls");
// Wired here, not in attributes: the Content-Security-Policy allows no inline handlers.
form.addEventListener("submit", (event) => event.preventDefault());
document.getElementById("meter")?.addEventListener("change", (event) => {
  location.href = `/ui/consumption/${encodeURIComponent(event.target.value)}`;
});
const meter = form.dataset.meter;
const hasPv = form.dataset.pv === "1";
const anchor = document.getElementById("anchor");
const note = document.getElementById("series-note");
const chartEl = document.getElementById("series-chart");
const RANGE_DAYS = { day: 1, week: 7, month: 30, year: 365 };
const MAX_POINTS = 5000; // per request; keeps the chart fast (the API allows more)
const STEP_MINUTES = { "15min": 15, hour: 60, day: 1440 };
anchor.value = siteDay();
anchor.max = addDays(siteDay(), 1);

const selected = (name) => form.querySelector(`input[name="${name}"]:checked`).value;

function allowedResolution(range) {
  const days = RANGE_DAYS[range];
  for (const input of form.querySelectorAll('input[name="resolution"]')) {
    input.disabled = (days * 1440) / STEP_MINUTES[input.value] > MAX_POINTS || (input.value === "day" && days < 2);
  }
  const current = form.querySelector('input[name="resolution"]:checked');
  if (current.disabled) {
    const first = [...form.querySelectorAll('input[name="resolution"]')].find((i) => !i.disabled);
    first.checked = true;
  }
}

// Sum the 15-minute forecast into the chosen resolution's local buckets (bands summed too:
// a conservative interval for the bucket).
function bucketForecast(points, resolution) {
  if (resolution === "15min") return points;
  const out = new Map();
  for (const p of points) {
    const d = new Date(p.ts);
    const key = resolution === "hour" ? Math.floor(d.getTime() / 3600000) * 3600000 : `${siteDay(d)}T00:00`;
    const b = out.get(key) || { ts: typeof key === "number" ? new Date(key).toISOString() : key, value: 0, p10: 0, p90: 0 };
    b.value += p.value; b.p10 += p.p10; b.p90 += p.p90;
    out.set(key, b);
  }
  return [...out.values()];
}

async function forecastFor(kind, resolution) {
  try {
    const f = await api("/data/forecast", { query: { kind, meter_id: meter, hours: 36 } });
    return { ...f, points: bucketForecast(f.points, resolution) };
  } catch (e) {
    return null;
  }
}

function summary(points) {
  const box = document.getElementById("series-summary");
  const cons = points.reduce((s, p) => s + p.consumption_kwh, 0);
  const prod = points.reduce((s, p) => s + p.production_kwh, 0);
  const peak = points.reduce((m, p) => (p.consumption_kwh > m.consumption_kwh ? p : m), points[0] || { consumption_kwh: 0 });
  const gaps = points.filter((p) => p.intervals === 0).length;
  const stat = (label, value, id) => el("article", { class: "card stat", id }, el("span", { class: "muted small", text: label }), el("span", { class: "stat-value", text: value }));
  box.replaceChildren(
    stat(t("kpi.consumption"), fmtKwh(cons), "sum-consumption"),
    stat(t("kpi.production"), fmtKwh(prod), "sum-production"),
    stat(t("consumption.peak"), peak && peak.ts ? `${fmtKwh(peak.consumption_kwh, 2)} · ${fmtDateTime(peak.ts)}` : "–", "sum-peak"),
    stat(t("consumption.points"), `${fmtNumber(points.length, 0)}${gaps ? ` (${gaps} ${t("consumption.gaps")})` : ""}`, "sum-points"),
  );
}

let latest = 0; // only the newest request may draw (the pickers can change mid-request)

async function load() {
  const ticket = ++latest;
  const range = selected("range");
  allowedResolution(range);
  const resolution = selected("resolution");
  const days = RANGE_DAYS[range];
  const end = addDays(anchor.value || siteDay(), 1);
  const start = addDays(end, -days);
  note.textContent = `${fmtDate(start + "T12:00")} – ${fmtDate(addDays(end, -1) + "T12:00")} · ${t("resolution." + resolution)}`;
  const data = await api("/data/smart_meter", { query: { meter_id: meter, start: `${start}T00:00`, end: `${end}T00:00`, resolution } });
  if (ticket !== latest) return;
  const points = data.points;
  summary(points);
  // Readings first; the forecast bands join when their responses arrive (stored forecasts
  // come back at once; a forecast not stored yet is computed, which takes seconds).
  draw(points, resolution, days, null, null);
  chartEl.dataset.points = String(points.length);
  chartEl.dataset.forecast = "0";
  chartEl.dataset.view = `${range}/${resolution}`;
  const wantForecast = document.getElementById("show-forecast").checked && end >= siteDay() && range !== "year";
  if (!wantForecast) return;
  const [fc, fpv] = await Promise.all([forecastFor("consumption", resolution), hasPv ? forecastFor("pv", resolution) : null]);
  if (ticket !== latest || (!fc && !fpv)) return;
  draw(points, resolution, days, fc, fpv);
  chartEl.dataset.forecast = fc ? String(fc.points.length) : "0";
}

function draw(points, resolution, days, fc, fpv) {
  const unit = resolution === "15min" ? "kWh / 15 min" : resolution === "hour" ? "kWh / h" : "kWh / d";
  const bar = resolution === "day";
  const band = (f, name, colorVar) => (f ? [
    { name: `${name} p10`, type: "line", stack: `band-${name}`, data: f.points.map((p) => [p.ts, p.p10]), lineStyle: { opacity: 0 }, showSymbol: false, silent: true, tooltip: { show: false } },
    { name: `${name} 80 %`, type: "line", stack: `band-${name}`, data: f.points.map((p) => [p.ts, Math.max(p.p90 - p.p10, 0)]), lineStyle: { opacity: 0 }, showSymbol: false,
      areaStyle: { color: token(colorVar), opacity: 0.18 }, silent: true, tooltip: { show: false } },
    { name, type: "line", data: f.points.map((p) => [p.ts, p.value]), showSymbol: false, lineStyle: { type: "dashed", color: token(colorVar) }, itemStyle: { color: token(colorVar) } },
  ] : []);
  const fcName = t("consumption.forecast_consumption");
  const fpvName = t("consumption.forecast_pv");
  chart(chartEl, () => ({
    legend: { data: [t("kpi.consumption"), t("kpi.production"), ...(fc ? [fcName] : []), ...(fpv ? [fpvName] : [])] },
    tooltip: { trigger: "axis", valueFormatter: (v) => (typeof v === "number" ? `${fmtNumber(v, 2)} kWh` : v) },
    grid: { bottom: 80 },
    xAxis: { type: "time", axisLabel: { formatter: timeAxisLabel(days), hideOverlap: true } },
    yAxis: { type: "value", name: unit },
    dataZoom: [{ type: "inside" }, { type: "slider", height: 22, bottom: 16 }],
    series: [
      { name: t("kpi.consumption"), type: bar ? "bar" : "line", showSymbol: false, step: bar ? undefined : "start", data: points.map((p) => [p.ts, p.consumption_kwh]),
        itemStyle: { color: token("--luna-chart-1") }, lineStyle: { color: token("--luna-chart-1") }, sampling: "lttb" },
      { name: t("kpi.production"), type: bar ? "bar" : "line", showSymbol: false, step: bar ? undefined : "start", data: points.map((p) => [p.ts, p.production_kwh]),
        itemStyle: { color: token("--luna-chart-2") }, lineStyle: { color: token("--luna-chart-2") }, areaStyle: bar ? undefined : { opacity: 0.2 }, sampling: "lttb" },
      ...band(fc, fcName, "--luna-chart-1"),
      ...band(fpv, fpvName, "--luna-chart-2"),
    ],
  }));
}

await ready;
form.addEventListener("change", () => load().catch(showError));
function showError(e) { note.textContent = `${t("common.error")}: ${e.message}`; }
load().catch(showError);
