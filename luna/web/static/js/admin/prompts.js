// Prompts and evals: versions, diff, activate, rollback, audit; eval runs and their comparison.
import { api, t, toast, fmtNumber, fmtDateTime, el } from "/ui/static/js/core.js";
import { fill, badge, errorText, askReason, poll } from "/ui/static/js/admin/common.js";

const $ = (id) => document.getElementById(id);
let prompts = [];
let current = null;
const selectedRuns = new Set();

// --- prompts ----------------------------------------------------------------------------

async function loadPrompts(select) {
  prompts = await api("/prompts");
  fill($("prompt-list"), prompts.map((p) => el("li", {},
    el("button", { type: "button", "data-prompt": p.name, "aria-current": String(p.name === (select || current)), onclick: () => showPrompt(p.name) },
      el("span", {}, p.name), el("span", { class: "badge badge-muted" }, p.active_version)))));
  if (!prompts.length) fill($("prompt-list"), el("li", { class: "empty" }, t("admin.prompts.none")));
  const name = select || current || (prompts[0] && prompts[0].name);
  if (name) await showPrompt(name);
}

async function showPrompt(name) {
  current = name;
  for (const b of $("prompt-list").querySelectorAll("button")) b.setAttribute("aria-current", String(b.dataset.prompt === name));
  const p = await api(`/prompts/${encodeURIComponent(name)}`);
  $("prompt-title").textContent = `${p.name} · ${t("admin.prompts.active")} ${p.active_version}`;
  $("prompt-rollback").disabled = p.versions.length < 2;
  const versions = [...p.versions].reverse(); // newest first
  fill($("version-rows"), versions.map((v) => el("tr", { "data-version": v.version },
    el("td", {}, el("span", { class: "mono" }, v.version), " ", v.active ? badge("ok", t("admin.prompts.active")) : null),
    el("td", {}, v.description || "–"),
    el("td", {}, v.author, el("div", { class: "muted small" }, v.source)),
    el("td", {}, fmtDateTime(v.created_at)),
    el("td", {}, el("div", { class: "row-actions" },
      v.active ? null : el("button", { class: "btn btn-primary btn-sm", type: "button", onclick: () => activate(v.version) }, t("admin.prompts.activate")))))));
  const options = (sel) => versions.map((v) => el("option", { value: v.version, selected: v.version === sel }, v.version));
  const older = versions[1] ? versions[1].version : versions[0]?.version;
  fill($("diff-a"), options(older));
  fill($("diff-b"), options(versions[0]?.version));
  $("diff-view").hidden = true;
  $("diff-form").querySelector("button").disabled = versions.length < 2;
  const audit = await api(`/prompts/${encodeURIComponent(name)}/audit`);
  fill($("audit-list"), audit.slice().reverse().slice(0, 12).map((a) => el("li", {},
    el("strong", {}, a.action), ` ${a.version} · ${a.actor} · ${fmtDateTime(a.ts)}`, a.reason ? el("span", { class: "muted" }, ` — ${a.reason}`) : null)));
}

async function activate(version) {
  const reason = askReason(t("admin.prompts.reason_activate", { ref: `${current}@${version}` }));
  if (reason === null) return;
  try {
    await api(`/prompts/${encodeURIComponent(current)}/activate`, { method: "POST", body: { version, reason } });
    toast(t("admin.prompts.activated", { ref: `${current}@${version}` }), "ok");
  } catch (err) { toast(errorText(err), "danger"); }
  await loadPrompts(current);
}

async function rollback() {
  const reason = askReason(t("admin.prompts.reason_rollback", { name: current }));
  if (reason === null) return;
  try {
    const p = await api(`/prompts/${encodeURIComponent(current)}/rollback`, { method: "POST", body: { reason } });
    toast(t("admin.prompts.rolled_back", { ref: `${p.name}@${p.active_version}` }), "ok");
  } catch (err) { toast(errorText(err), "danger"); }
  await loadPrompts(current);
}

function renderDiff(text) {
  const view = $("diff-view");
  view.hidden = false;
  if (!text.trim()) { fill(view, el("span", { class: "muted" }, t("admin.prompts.no_diff"))); return; }
  fill(view, text.split("\n").map((line) => {
    const cls = line.startsWith("@@") ? "hunk" : line.startsWith("+") && !line.startsWith("+++") ? "add"
      : line.startsWith("-") && !line.startsWith("---") ? "del" : null;
    return cls ? el("span", { class: cls }, line) : `${line}\n`;
  }));
}

async function diff(event) {
  event.preventDefault();
  try {
    const d = await api(`/prompts/${encodeURIComponent(current)}/diff`, { query: { a: $("diff-a").value, b: $("diff-b").value } });
    renderDiff(d.diff);
  } catch (err) { toast(errorText(err), "danger"); }
}

// --- evals ------------------------------------------------------------------------------

const HEADLINE = ["hit@5", "mrr", "ndcg@5", "correctness", "faithfulness", "tool_accuracy", "argument_accuracy", "pass_rate", "refusal_accuracy", "citation_accuracy"];

function metricList(metrics) {
  const keys = Object.keys(metrics || {}).filter((k) => typeof metrics[k] === "number");
  keys.sort((a, b) => (HEADLINE.indexOf(a) + 1 || 99) - (HEADLINE.indexOf(b) + 1 || 99));
  if (!keys.length) return el("span", { class: "muted" }, "–");
  return el("div", { class: "metric-list" }, keys.slice(0, 6).map((k) => el("span", {}, `${k} `, el("b", {}, fmtNumber(metrics[k], 3)))));
}

function renderRuns(runs) {
  if (!runs.length) {
    fill($("eval-rows"), el("tr", {}, el("td", { colspan: 8, class: "empty" }, t("admin.evals.none"))));
    return false;
  }
  fill($("eval-rows"), runs.map((r) => el("tr", { "data-run": r.id },
    el("td", {}, el("input", { type: "checkbox", "aria-label": t("admin.evals.select_run", { id: r.id }), checked: selectedRuns.has(r.id), onchange: (e) => toggleRun(r.id, e.target.checked) })),
    el("td", {}, String(r.id)),
    el("td", {}, r.suite),
    el("td", {}, badge(r.status), el("div", { class: "muted small" }, t("admin.evals.cases", { n: r.cases_total }))),
    el("td", {}, metricList(r.metrics)),
    el("td", { class: "small" }, Object.entries(r.prompts || {}).map(([n, v]) => el("div", { class: "mono" }, `${n}@${typeof v === "string" ? v : v.version || JSON.stringify(v)}`))),
    el("td", {}, fmtDateTime(r.started_at), el("div", { class: "muted small" }, r.model || "")),
    el("td", { class: "num" }, r.duration_s !== null ? `${fmtNumber(r.duration_s, 1)} s` : "–"))));
  return runs.some((r) => r.status === "running");
}

function toggleRun(id, on) {
  if (on) selectedRuns.add(id); else selectedRuns.delete(id);
  while (selectedRuns.size > 2) selectedRuns.delete(selectedRuns.values().next().value);
  for (const box of $("eval-rows").querySelectorAll("input[type=checkbox]")) {
    box.checked = selectedRuns.has(Number(box.closest("tr").dataset.run));
  }
  $("eval-compare").disabled = selectedRuns.size !== 2;
}

async function compare() {
  const [a, b] = [...selectedRuns].sort((x, y) => x - y);
  const view = $("compare-view");
  try {
    const c = await api("/evals/compare", { query: { a, b } });
    const cls = (d) => (d > 0 ? "delta-up" : d < 0 ? "delta-down" : "");
    fill(view,
      el("h3", { class: "subhead" }, t("admin.evals.comparison", { a, b, suite: c.suite })),
      el("div", { class: "table-wrap" }, el("table", { class: "table" },
        el("thead", {}, el("tr", {}, el("th", {}, t("admin.evals.metric")), el("th", { class: "num" }, `#${a}`), el("th", { class: "num" }, `#${b}`), el("th", { class: "num" }, "Δ"))),
        el("tbody", {}, c.metrics.filter((m) => m.a !== null || m.b !== null).map((m) => el("tr", {},
          el("td", {}, m.metric),
          el("td", { class: "num" }, m.a === null ? "–" : fmtNumber(m.a, 3)),
          el("td", { class: "num" }, m.b === null ? "–" : fmtNumber(m.b, 3)),
          el("td", { class: `num ${cls(m.delta)}` }, m.delta === null ? "–" : `${m.delta > 0 ? "+" : ""}${fmtNumber(m.delta, 3)}`)))))),
      el("p", {}, el("span", { class: "delta-up" }, t("admin.evals.fixed", { n: c.fixed.length })), " · ",
        el("span", { class: "delta-down" }, t("admin.evals.broken", { n: c.broken.length })),
        c.broken.length ? el("span", { class: "muted" }, ` (${c.broken.map((x) => x.case_id).slice(0, 8).join(", ")})`) : null));
  } catch (err) {
    fill(view, el("p", { class: "alert alert-danger" }, errorText(err)));
  }
}

async function startEval(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { suite: form.get("suite"), limit: Number(form.get("limit")) || null };
  try {
    const run = await api("/evals/runs", { method: "POST", body });
    toast(t("admin.evals.started_run", { id: run.id }), "ok");
  } catch (err) { toast(errorText(err), "danger"); }
  await refreshRuns();
}

async function refreshRuns() {
  return renderRuns(await api("/evals/runs", { query: { limit: 25 } }));
}

$("prompt-rollback").addEventListener("click", rollback);
$("diff-form").addEventListener("submit", diff);
$("eval-form").addEventListener("submit", startEval);
$("eval-compare").addEventListener("click", compare);
loadPrompts().catch((err) => fill($("prompt-list"), el("li", { class: "alert alert-danger" }, errorText(err))));
poll(refreshRuns, 5000);
