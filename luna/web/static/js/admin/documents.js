// Documents: upload with per-file progress, the document list, knowledge search, drift report.
import { api, t, toast, fmtNumber, fmtDate, fmtDateTime, el } from "/ui/static/js/core.js";
import { fill, badge, fmtBytes, errorText, tOr } from "/ui/static/js/admin/common.js";

const $ = (id) => document.getElementById(id);
const MAX_FILE_BYTES = 50 * 1024 * 1024;
let documents = [];

// --- upload -----------------------------------------------------------------------------

function uploadRow(file) {
  const bar = el("span");
  const progress = el("div", { class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-label": file.name }, bar);
  const state = el("span", { class: "state" }, badge("queued"));
  const detail = el("div", { class: "detail" }, fmtBytes(file.size));
  const row = el("li", { class: "upload-item", "data-file": file.name }, el("span", { class: "name", title: file.name }, file.name), progress, state, detail);
  $("upload-list").prepend(row);
  return {
    row,
    set(status, { percent = null, text = null, error = false } = {}) {
      row.dataset.status = status;
      fill(state, badge(status));
      progress.className = "progress" + (status === "ingesting" ? " indeterminate" : status === "failed" ? " failed" : ["ready", "duplicate"].includes(status) ? " done" : "");
      if (percent !== null) { bar.style.width = `${percent}%`; progress.setAttribute("aria-valuenow", String(Math.round(percent))); }
      if (text !== null) { detail.textContent = text; detail.classList.toggle("error", error); }
    },
  };
}

/** One request per file: the browser reports upload progress per file, and one bad file
 *  never fails the others. The server parses, chunks and embeds while we show "ingesting". */
function uploadOne(file, ui) {
  return new Promise((resolve) => {
    const form = new FormData();
    form.append("files", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/ingest");
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) ui.set("uploading", { percent: (e.loaded / e.total) * 100 });
    };
    xhr.upload.onload = () => ui.set("ingesting", { text: t("admin.documents.ingesting_hint") });
    xhr.onload = () => {
      const body = xhr.response || {};
      const results = body.files || (Array.isArray(body.detail) ? body.detail : []);
      const result = results[0];
      if (xhr.status < 300 || (xhr.status === 207 && result)) {
        if (result && result.status === "failed") {
          ui.set("failed", { text: result.error || t("admin.documents.failed"), error: true });
        } else if (result && result.duplicate) {
          ui.set("duplicate", { text: t("admin.documents.duplicate_hint") });
        } else {
          ui.set("ready", { text: t("admin.documents.ready_hint", { chunks: fmtNumber(result ? result.chunks : 0, 0) }) });
        }
      } else {
        const reason = result ? result.error : errorText({ body });
        ui.set("failed", { text: reason || `HTTP ${xhr.status}`, error: true });
      }
      resolve();
    };
    xhr.onerror = () => { ui.set("failed", { text: t("admin.network_error"), error: true }); resolve(); };
    ui.set("uploading", { percent: 0 });
    xhr.send(form);
  });
}

async function uploadFiles(files) {
  const list = Array.from(files);
  const rows = list.map((f) => [f, uploadRow(f)]);
  for (const [file, ui] of rows) {
    if (file.size > MAX_FILE_BYTES) {
      ui.set("failed", { text: t("admin.documents.too_large"), error: true });
      continue;
    }
    await uploadOne(file, ui); // sequential: the server embeds on the CPU, one file at a time
    await loadDocuments();
  }
}

function setupDropzone() {
  const zone = $("dropzone");
  const input = $("file-input");
  zone.addEventListener("click", () => input.click());
  zone.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); }
  });
  input.addEventListener("change", () => { if (input.files.length) uploadFiles(input.files); input.value = ""; });
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (e) => { e.preventDefault(); zone.classList.add("dragover"); });
  }
  for (const name of ["dragleave", "drop"]) {
    zone.addEventListener(name, (e) => { e.preventDefault(); zone.classList.remove("dragover"); });
  }
  zone.addEventListener("drop", (e) => { if (e.dataTransfer && e.dataTransfer.files.length) uploadFiles(e.dataTransfer.files); });
}

// --- list -------------------------------------------------------------------------------

const TYPE_LABEL = {
  "application/pdf": "PDF",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
  "text/plain": "TXT", "text/markdown": "Markdown", "text/html": "HTML",
};

async function loadDocuments() {
  try {
    documents = await api("/items");
  } catch (err) {
    fill($("doc-rows"), el("tr", {}, el("td", { colspan: 8, class: "alert alert-danger" }, errorText(err))));
    return;
  }
  renderDocuments();
}

function renderDocuments() {
  const needle = $("doc-filter").value.trim().toLowerCase();
  const status = $("doc-status").value;
  const shown = documents.filter((d) => (!status || d.status === status)
    && (!needle || d.title.toLowerCase().includes(needle) || d.source.toLowerCase().includes(needle)));
  if (!shown.length) {
    fill($("doc-rows"), el("tr", {}, el("td", { colspan: 8, class: "empty" }, documents.length ? t("admin.documents.no_match") : t("admin.documents.empty"))));
    return;
  }
  const rows = [];
  for (const d of shown) {
    rows.push(el("tr", { "data-item": d.id, "data-status": d.status },
      el("td", { class: "title-cell" },
        el("button", { class: "link-btn", type: "button", onclick: () => showDocument(d) }, d.title),
        el("span", { class: "muted", title: d.source }, d.source)),
      el("td", {}, TYPE_LABEL[d.mime_type] || d.mime_type),
      el("td", { class: "num" }, fmtBytes(d.size_bytes)),
      el("td", {}, badge(d.status)),
      el("td", { class: "num" }, fmtNumber(d.chunk_count, 0)),
      el("td", { class: "validity-cell" }, validityCell(d)),
      el("td", {}, fmtDateTime(d.updated_at)),
      el("td", {}, el("div", { class: "row-actions" },
        el("button", { class: "btn btn-ghost btn-sm validity-edit", type: "button", onclick: () => editValidity(d), title: t("admin.documents.validity_edit_help") }, t("admin.documents.validity_edit")),
        el("button", { class: "btn btn-ghost btn-sm", type: "button", onclick: () => reingest(d), title: t("admin.documents.reingest_help") }, t("admin.documents.reingest")),
        el("button", { class: "btn btn-danger btn-sm", type: "button", onclick: () => remove(d) }, t("admin.documents.delete"))))));
    if (d.error) rows.push(el("tr", { class: "error-row" }, el("td", { colspan: 8 }, `${t("admin.documents.error")}: ${d.error}`)));
  }
  fill($("doc-rows"), rows);
}

async function showDocument(d) {
  const dialog = $("doc-dialog");
  $("doc-dialog-title").textContent = d.title;
  fill($("doc-dialog-body"), el("p", { class: "muted" }, t("admin.loading")));
  dialog.showModal();
  try {
    const detail = await api(`/items/${d.id}`);
    const where = (c) => [c.page ? t("admin.documents.page", { page: c.page }) : null, c.section].filter(Boolean).join(" · ");
    fill($("doc-dialog-body"),
      el("dl", { class: "facts" },
        el("dt", {}, t("admin.documents.status")), el("dd", {}, badge(detail.status)),
        el("dt", {}, t("admin.documents.col_chunks")), el("dd", {}, fmtNumber(detail.chunk_count, 0)),
        el("dt", {}, t("admin.documents.col_validity")), el("dd", {}, validityCell(detail)),
        detail.validity_evidence ? [el("dt", {}, t("admin.documents.validity_evidence")), el("dd", {}, detail.validity_evidence)] : null,
        detail.supersedes ? [el("dt", {}, t("admin.documents.validity_supersedes")), el("dd", {}, detail.supersedes)] : null,
        el("dt", {}, "SHA-256"), el("dd", { class: "mono small" }, detail.content_hash),
        detail.error ? [el("dt", {}, t("admin.documents.error")), el("dd", {}, detail.error)] : null),
      detail.chunks.map((c) => el("div", { class: "chunk" },
        el("strong", {}, `#${c.ordinal + 1}`), " ", el("span", { class: "muted" }, where(c), ` · ${c.token_count} tokens`),
        el("p", {}, c.text))));
  } catch (err) {
    fill($("doc-dialog-body"), el("p", { class: "alert alert-danger" }, errorText(err)));
  }
}

// --- validity -----------------------------------------------------------------------------

/** A date-only ISO string ("2026-03-01") in the UI's format, without a time-zone shift. */
const fmtDay = (iso) => fmtDate(new Date(`${iso}T12:00:00Z`));

/** The date on one line; below it the version, what the date is (Stand, letter date, …) and,
 *  when the admin set it, a "corrected" badge. The evidence shows on hover. */
function validityCell(d) {
  if (!d.valid_from && !d.version) return el("span", { class: "muted" }, "–");
  const kind = d.validity_kind ? tOr(`admin.documents.validity_kind.${d.validity_kind}`, d.validity_kind) : null;
  const note = [d.version ? `v${d.version}` : null, kind].filter(Boolean).join(" · ");
  return el("div", { title: d.validity_evidence || "" },
    el("span", { "data-valid-from": d.valid_from || "" }, d.valid_from ? fmtDay(d.valid_from) : "–"),
    note ? el("div", { class: "muted small" }, note) : null,
    d.validity_source === "admin" ? badge("ok", t("admin.documents.validity_admin")) : null);
}

let editing = null;

function editValidity(d) {
  editing = d;
  const form = $("validity-form");
  $("validity-dialog-title").textContent = t("admin.documents.validity_title", { title: d.title });
  form.elements.valid_from.value = d.valid_from || "";
  form.elements.version.value = d.version || "";
  fill($("validity-found"),
    el("dt", {}, t("admin.documents.validity_evidence")),
    el("dd", {}, d.validity_evidence || t("admin.documents.validity_none")),
    d.supersedes ? [el("dt", {}, t("admin.documents.validity_supersedes")), el("dd", {}, d.supersedes)] : null);
  $("validity-error").hidden = true;
  $("validity-dialog").showModal();
}

async function saveValidity(event) {
  event.preventDefault();
  if (!editing) return;
  const form = event.target;
  const body = { valid_from: form.elements.valid_from.value || null, version: form.elements.version.value.trim() || null };
  try {
    await api(`/items/${editing.id}/validity`, { method: "PATCH", body });
  } catch (err) {
    $("validity-error").textContent = errorText(err);
    $("validity-error").hidden = false;
    return;
  }
  toast(t("admin.documents.validity_saved", { title: editing.title }), "ok");
  $("validity-dialog").close();
  editing = null;
  await loadDocuments();
}

async function reingest(d) {
  toast(t("admin.documents.reingesting", { title: d.title }), "info");
  try {
    const result = await api(`/items/${d.id}/reingest`, { method: "POST" });
    toast(result.status === "failed" ? `${d.title}: ${result.error}` : t("admin.documents.reingested", { title: d.title, chunks: result.chunks }),
      result.status === "failed" ? "danger" : "ok");
  } catch (err) {
    toast(errorText(err), "danger");
  }
  await loadDocuments();
}

async function remove(d) {
  if (!window.confirm(t("admin.documents.confirm_delete", { title: d.title }))) return;
  try {
    await api(`/items/${d.id}`, { method: "DELETE" });
    toast(t("admin.documents.deleted", { title: d.title }), "ok");
  } catch (err) {
    toast(errorText(err), "danger");
  }
  await loadDocuments();
}

// --- search -----------------------------------------------------------------------------

async function search(event) {
  event.preventDefault();
  const q = $("search-q").value.trim();
  if (!q) return;
  fill($("search-hits"), el("li", { class: "muted" }, t("admin.search.searching")));
  try {
    const result = await api("/admin/search", { query: { q, top_k: 5 } });
    if (!result.hits.length) {
      fill($("search-hits"), el("li", { class: "muted" }, t("admin.search.none")));
      return;
    }
    fill($("search-hits"), result.hits.map((h) => el("li", { "data-item": h.item_id },
      el("strong", {}, h.title), " ",
      el("span", { class: "muted" }, [h.page ? t("admin.documents.page", { page: h.page }) : null, h.section].filter(Boolean).join(" · ")),
      " ", el("span", { class: "badge badge-muted score", title: t("admin.search.score_help") }, fmtNumber(h.score, 3)),
      el("p", {}, h.text.length > 280 ? `${h.text.slice(0, 280)}…` : h.text))));
  } catch (err) {
    fill($("search-hits"), el("li", { class: "alert alert-danger" }, errorText(err)));
  }
}

// --- drift ------------------------------------------------------------------------------

const DRIFT_KINDS = ["orphan_vectors", "missing_vectors", "orphan_objects", "missing_originals", "stuck_items"];

async function drift(repair) {
  if (repair && !window.confirm(t("admin.drift.confirm"))) return;
  const box = $("drift-report");
  fill(box, el("p", { class: "muted" }, repair ? t("admin.drift.repairing") : t("admin.drift.checking")));
  try {
    const report = await api("/ingest/drift", { query: { repair } });
    const problems = DRIFT_KINDS.filter((k) => report[k].length);
    const summary = el("dl", { class: "facts" },
      el("dt", {}, t("admin.drift.items")), el("dd", {}, fmtNumber(report.items, 0)),
      el("dt", {}, t("admin.drift.chunks")), el("dd", {}, fmtNumber(report.chunks, 0)),
      el("dt", {}, t("admin.drift.vectors")), el("dd", {}, fmtNumber(report.vectors, 0)));
    const verdict = report.clean
      ? el("p", { class: "alert alert-ok", "data-drift": "clean" }, repair && report.repaired ? t("admin.drift.repaired") : t("admin.drift.clean"))
      : el("p", { class: "alert alert-danger", "data-drift": "dirty" }, t("admin.drift.dirty"));
    const details = problems.map((k) => el("div", {},
      el("strong", {}, `${tOr(`admin.drift.${k}`, k)}: ${report[k].length}`),
      el("ul", { class: "drift-list" }, report[k].slice(0, 10).map((id) => el("li", {}, el("code", {}, id))))));
    fill(box, verdict, summary, details);
    $("drift-repair").disabled = report.clean;
  } catch (err) {
    fill(box, el("p", { class: "alert alert-danger" }, errorText(err)));
  }
}

setupDropzone();
$("doc-filter").addEventListener("input", renderDocuments);
$("doc-status").addEventListener("change", renderDocuments);
$("doc-refresh").addEventListener("click", loadDocuments);
$("search-form").addEventListener("submit", search);
$("validity-form").addEventListener("submit", saveValidity);
$("drift-check").addEventListener("click", () => drift(false));
$("drift-repair").addEventListener("click", () => drift(true));
loadDocuments();
