// Logs & events: recent usage events (GET /admin/events) and application logs (GET /admin/logs).
import { api, t, fmtDateTime, fmtNumber, el } from "/ui/static/js/core.js";
import { fill, badge, errorText, tOr } from "/ui/static/js/admin/common.js";

const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 25;
const state = { events: { offset: 0, query: {} }, logs: { offset: 0, query: {} } };

/** The form's non-empty fields; datetime-local inputs become ISO instants of the browser's zone. */
function formQuery(form) {
  const query = {};
  for (const [key, value] of new FormData(form)) {
    const text = String(value).trim();
    if (!text) continue;
    query[key] = form.elements[key].type === "datetime-local" ? new Date(text).toISOString() : text;
  }
  return query;
}

function pager(node, page, reload) {
  const { total, limit, offset } = page;
  const from = total ? offset + 1 : 0;
  const to = Math.min(offset + limit, total);
  fill(node,
    el("span", { class: "muted" }, t("admin.logs.range", { from: fmtNumber(from, 0), to: fmtNumber(to, 0), total: fmtNumber(total, 0) })),
    el("button", { class: "btn btn-ghost btn-sm", type: "button", disabled: offset === 0, "data-page": "prev", onclick: () => reload(Math.max(0, offset - limit)) }, t("admin.logs.prev")),
    el("button", { class: "btn btn-ghost btn-sm", type: "button", disabled: to >= total, "data-page": "next", onclick: () => reload(offset + limit) }, t("admin.logs.next")));
}

function summary(payload) {
  // The most telling fields first; the whole payload stays one click away.
  const text = JSON.stringify(payload, null, 1);
  return el("details", {}, el("summary", {}, headline(payload)), el("pre", { class: "payload" }, text));
}

function headline(p) {
  const main = p.question || p.message || p.comment || p.page || p.error || p.target_id || "";
  const bits = [];
  if (p.vote !== undefined) bits.push(p.vote > 0 || p.vote === "up" ? t("admin.logs.vote_up") : t("admin.logs.vote_down"));
  if (p.latency_ms !== undefined) bits.push(`${fmtNumber(p.latency_ms / 1000, 1)} s`);
  if (p.error && main !== p.error) bits.push(`${t("admin.event.error")}: ${p.error}`);
  const text = String(main).slice(0, 160);
  return [text || t("admin.logs.no_summary"), bits.length ? ` · ${bits.join(" · ")}` : ""].join("");
}

async function loadEvents(offset = 0) {
  state.events.offset = offset;
  try {
    const page = await api("/admin/events", { query: { ...state.events.query, limit: PAGE_SIZE, offset } });
    fill($("events-rows"), page.events.length ? page.events.map((e) => el("tr", { "data-event": e.id, "data-type": e.type },
      el("td", { class: "nowrap" }, fmtDateTime(e.ts)),
      el("td", {}, badge(e.type === "error" ? "error" : "pending", tOr(`admin.event.${e.type}`, e.type))),
      el("td", { class: "mono small", title: e.user_key || "" }, e.user_key ? `${e.user_key.slice(0, 10)}…` : "–"),
      el("td", { class: "payload" }, summary(e.payload))))
      : el("tr", {}, el("td", { colspan: 4, class: "empty" }, t("admin.logs.no_events"))));
    pager($("events-pager"), page, loadEvents);
  } catch (err) {
    fill($("events-rows"), el("tr", {}, el("td", { colspan: 4, class: "alert alert-danger" }, errorText(err))));
  }
}

async function loadLogs(offset = 0) {
  state.logs.offset = offset;
  try {
    const page = await api("/admin/logs", { query: { ...state.logs.query, limit: PAGE_SIZE, offset } });
    fill($("logs-rows"), page.records.length ? page.records.map((r) => el("tr", { "data-seq": r.seq },
      el("td", { class: "nowrap" }, fmtDateTime(r.ts)),
      el("td", { class: `level-${r.level}` }, r.level),
      el("td", { class: "mono small" }, r.logger),
      el("td", { class: "payload" }, r.exc_info || Object.keys(r.extra || {}).length
        ? el("details", {}, el("summary", {}, r.message), el("pre", { class: "payload" }, [JSON.stringify(r.extra, null, 1), r.exc_info || ""].join("\n")))
        : r.message),
      el("td", { class: "mono small" }, r.request_id
        ? el("button", { class: "link-btn mono", type: "button", title: t("admin.logs.filter_request"), onclick: () => filterRequest(r.request_id) }, r.request_id.slice(0, 12))
        : "–")))
      : el("tr", {}, el("td", { colspan: 5, class: "empty" }, t("admin.logs.no_logs"))));
    pager($("logs-pager"), page, loadLogs);
  } catch (err) {
    fill($("logs-rows"), el("tr", {}, el("td", { colspan: 5, class: "alert alert-danger" }, errorText(err))));
  }
}

function filterRequest(id) {
  const form = $("logs-form");
  form.elements.request_id.value = id;
  state.logs.query = formQuery(form);
  loadLogs(0);
}

function selectTab(name) {
  for (const tab of ["events", "logs"]) {
    const on = tab === name;
    $(`tab-${tab}`).setAttribute("aria-selected", String(on));
    $(`tab-${tab}`).tabIndex = on ? 0 : -1;
    $(`panel-${tab}`).hidden = !on;
  }
  if (name === "logs" && $("logs-form") && !state.logs.loaded) { state.logs.loaded = true; loadLogs(0); }
  history.replaceState(null, "", name === "logs" ? "#logs" : "#events");
}

$("tab-events").addEventListener("click", () => selectTab("events"));
$("tab-logs").addEventListener("click", () => selectTab("logs"));
document.querySelector(".tabs").addEventListener("keydown", (e) => {
  if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
    const next = $("tab-events").getAttribute("aria-selected") === "true" ? "logs" : "events";
    selectTab(next);
    $(`tab-${next}`).focus();
  }
});
$("events-form").addEventListener("submit", (e) => { e.preventDefault(); state.events.query = formQuery(e.target); loadEvents(0); });
if ($("logs-form")) {
  $("logs-form").addEventListener("submit", (e) => { e.preventDefault(); state.logs.query = formQuery(e.target); loadLogs(0); });
}
loadEvents(0);
selectTab(location.hash === "#logs" ? "logs" : "events");
