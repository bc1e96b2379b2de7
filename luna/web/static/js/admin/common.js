// Small helpers shared by the admin pages (on top of core.js): badges, formats, polling.
import { el, t, fmtNumber, fmtTime } from "/ui/static/js/core.js";

/** Replace an element's children. */
export function fill(parent, ...children) {
  parent.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

/** A message key with a fallback when the catalogue has no such key (unknown enum values). */
export function tOr(key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

const STATUS_KIND = {
  ready: "ok", done: "ok", ok: "ok", up: "ok", running: "info", connected: "ok",
  pending: "muted", parsed: "muted", embedded: "muted", queued: "muted", uploading: "info",
  ingesting: "info", cancelled: "warn", stopped: "warn", duplicate: "muted",
  failed: "danger", error: "danger", down: "danger", disconnected: "danger", stale: "danger",
};

export function badge(status, label) {
  const kind = STATUS_KIND[status] || "muted";
  return el("span", { class: `badge badge-${kind === "info" ? "muted" : kind}`, "data-status": status },
    label ?? tOr(`admin.status.${status}`, status));
}

export function fmtBytes(bytes) {
  if (bytes === null || bytes === undefined) return "–";
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${fmtNumber(value, unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function fmtPercent(x, digits = 0) {
  return x === null || x === undefined ? "–" : `${fmtNumber(x, digits)} %`;
}

/** Call fn now and every ms milliseconds while the tab is visible; returns a stop function. */
export function poll(fn, ms) {
  let timer = null;
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    if (!document.hidden) {
      try { await fn(); } catch (err) { console.error(err); }
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  return () => { stopped = true; clearTimeout(timer); };
}

/** The API's error body as one readable line. */
export function errorText(err) {
  const body = err && err.body;
  if (body && body.detail !== undefined) {
    const detail = body.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail.map((d) => (d.field ? `${d.field}: ${d.message}` : d.error || d.message || JSON.stringify(d))).join("; ");
    }
    return JSON.stringify(detail);
  }
  return (err && err.message) || String(err);
}

/** Ask for a reason (prompt activation, rollback): null when cancelled or too short. */
export function askReason(question) {
  const reason = window.prompt(question);
  if (reason === null) return null;
  return reason.trim().length >= 3 ? reason.trim() : askReason(question);
}

/** A time axis over the samples collected since the page opened, at least ``minMs`` wide. */
export function recentTimeAxis(samples, minMs = 120_000) {
  const now = Date.now();
  const first = samples.length ? samples[0][0] : now;
  return {
    type: "time", min: Math.min(first, now - minMs), max: now, splitNumber: 4,
    axisLabel: { hideOverlap: true, formatter: (value) => fmtTime(value) },
  };
}
