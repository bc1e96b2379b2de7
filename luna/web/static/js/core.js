// Shared browser helpers for every page: API calls with the session cookie, messages,
// Intl number/date formats in the UI language and the site's time zone, themed ECharts,
// and a parser for the API's Server-Sent Events over fetch (POST bodies, unlike EventSource).

const config = JSON.parse(document.getElementById("luna-config").textContent);

export const lang = () => config.lang;
export const timezone = () => config.timezone;

export function t(key, vars = {}) {
  const text = config.messages[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

export class ApiError extends Error {
  constructor(status, body) {
    const detail = body && typeof body === "object" ? body.detail ?? body.error : body;
    super(typeof detail === "string" ? detail : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function api(path, { method = "GET", body, query } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null) continue;
    for (const item of [].concat(v)) url.searchParams.append(k, item);
  }
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: body !== undefined ? { "Content-Type": "application/json" } : {},
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (response.status === 401) {
    location.href = `/ui/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    throw new ApiError(401, null);
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// --- formats (Intl, Europe/Berlin or the configured site zone) ------------------------------
const numberFormats = new Map();
export function fmtNumber(x, digits = 1) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  const key = digits;
  if (!numberFormats.has(key)) {
    numberFormats.set(key, new Intl.NumberFormat(config.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }));
  }
  return numberFormats.get(key).format(x);
}
export const fmtKwh = (x, digits = 1) => `${fmtNumber(x, digits)} kWh`;
export const fmtEur = (x) => `${fmtNumber(x, 2)} €`;
export const fmtCt = (x) => `${fmtNumber(x, 1)} ct/kWh`;
const dateFmt = new Intl.DateTimeFormat(config.locale, { timeZone: config.timezone, day: "2-digit", month: "2-digit", year: "numeric" });
const timeFmt = new Intl.DateTimeFormat(config.locale, { timeZone: config.timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const shortFmt = new Intl.DateTimeFormat(config.locale, { timeZone: config.timezone, weekday: "short", day: "2-digit", month: "2-digit" });
const monthFmt = new Intl.DateTimeFormat(config.locale, { timeZone: config.timezone, month: "short", year: "numeric" });
const asDate = (d) => (d instanceof Date ? d : new Date(d));
export const fmtDate = (d) => dateFmt.format(asDate(d));
export const fmtTime = (d) => timeFmt.format(asDate(d));
export const fmtDateTime = (d) => `${fmtDate(d)} ${fmtTime(d)}`;
export const fmtDay = (d) => shortFmt.format(asDate(d));
export const fmtMonth = (d) => monthFmt.format(asDate(d));

// The site's calendar date (YYYY-MM-DD) of a moment, and date arithmetic on such strings.
const isoDay = new Intl.DateTimeFormat("en-CA", { timeZone: config.timezone, year: "numeric", month: "2-digit", day: "2-digit" });
export const siteDay = (d = new Date()) => isoDay.format(asDate(d));
export function addDays(day, n) {
  const [y, m, dd] = day.split("-").map(Number);
  const x = new Date(Date.UTC(y, m - 1, dd + n));
  return x.toISOString().slice(0, 10);
}

// --- charts -----------------------------------------------------------------------------------
export function token(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function baseOption() {
  const text = token("--luna-text");
  const muted = token("--luna-text-muted");
  const border = token("--luna-border");
  return {
    animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
    backgroundColor: "transparent",
    textStyle: { fontFamily: token("--luna-font"), color: text },
    color: [1, 2, 3, 4, 5, 6].map((i) => token(`--luna-chart-${i}`)),
    grid: { left: 56, right: 40, top: 40, bottom: 56, containLabel: false },
    legend: { top: 0, textStyle: { color: text } },
    tooltip: { trigger: "axis", backgroundColor: token("--luna-surface"), borderColor: border, textStyle: { color: text } },
    xAxis: { axisLine: { lineStyle: { color: border } }, axisLabel: { color: muted }, splitLine: { show: false } },
    yAxis: { axisLine: { lineStyle: { color: border } }, axisLabel: { color: muted }, splitLine: { lineStyle: { color: border, opacity: 0.6 } }, nameTextStyle: { color: muted } },
  };
}

function merge(base, extra) {
  const out = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    if (v && typeof v === "object" && !Array.isArray(v) && base[k] && typeof base[k] === "object" && !Array.isArray(base[k])) out[k] = merge(base[k], v);
    else if (Array.isArray(v) && base[k] && !Array.isArray(base[k]) && (k === "xAxis" || k === "yAxis")) out[k] = v.map((a) => merge(base[k], a));
    else out[k] = v;
  }
  return out;
}

// A themed ECharts instance on `el` showing `build()`'s option; rebuilt when the theme changes.
export function chart(el, build) {
  const instance = el.__chart || echarts.init(el, null, { renderer: "canvas" });
  el.__chart = instance;
  el.__build = build;
  instance.setOption(merge(baseOption(), build()), true);
  if (!el.__wired) {
    el.__wired = true;
    new ResizeObserver(() => instance.resize()).observe(el);
    window.addEventListener("luna:theme", () => instance.setOption(merge(baseOption(), el.__build()), true));
  }
  return instance;
}

export const timeAxisLabel = (rangeDays) => (value) =>
  rangeDays <= 1 ? fmtTime(value) : rangeDays <= 31 ? `${fmtDay(value)}` : fmtMonth(value);

// --- Server-Sent Events over fetch -------------------------------------------------------------
// POSTs ``body`` as JSON, or GETs ``path`` when ``body`` is undefined.
export async function sseFetch(path, body, onEvent, { signal } = {}) {
  const response = await fetch(path, body === undefined
    ? { method: "GET", credentials: "same-origin", headers: { Accept: "text/event-stream" }, signal }
    : {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
      signal,
    });
  if (!response.ok) {
    const text = await response.text();
    let data = text;
    try { data = JSON.parse(text); } catch { /* plain text */ }
    throw new ApiError(response.status, data);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (!data.length) continue; // comments and pings
      let parsed = data.join("\n");
      try { parsed = JSON.parse(parsed); } catch { /* leave as text */ }
      onEvent(event, parsed);
    }
  }
}

// --- small UI helpers -------------------------------------------------------------------------
export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  const el = document.createElement("div");
  el.className = `toast toast-${kind}`;
  el.textContent = message;
  box.append(el);
  setTimeout(() => el.remove(), 5000);
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// Ready once ECharts (deferred classic script) has loaded.
export const ready = new Promise((resolve) => {
  if (window.echarts) resolve();
  else window.addEventListener("DOMContentLoaded", () => resolve());
});
