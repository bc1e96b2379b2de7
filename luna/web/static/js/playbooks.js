// Playbooks list: your recommendations with status and review, and a form to request one.
import { api, fmtDateTime, t, toast, el } from "./core.js";

const tbody = document.querySelector("#playbook-list tbody");
const STATUS_BADGE = { ready: "badge-ok", running: "badge-info", pending: "badge-muted", failed: "badge-danger", cancelled: "badge-muted" };
const REVIEW_BADGE = { accepted: "badge-ok", dismissed: "badge-muted", open: "badge-warn" };

async function refresh() {
  const items = await api("/playbooks", { query: { limit: 100 } });
  if (!items.length) {
    tbody.replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "empty", text: t("playbooks.empty") })));
    return;
  }
  tbody.replaceChildren(...items.map((p) => el("tr", { "data-id": p.id },
    el("td", { text: fmtDateTime(p.created_at) }),
    el("td", { text: p.meter_id }),
    el("td", { text: t(`playbook.kind.${p.kind}`) }),
    el("td", {}, el("span", { class: `badge ${STATUS_BADGE[p.status] || "badge-muted"}`, text: t(`playbook.status.${p.status}`) })),
    el("td", {}, el("span", { class: `badge ${REVIEW_BADGE[p.review] || "badge-muted"}`, text: t(`playbook.review.${p.review}`) })),
    el("td", {}, el("a", { href: `/ui/playbooks/${p.id}`, text: t("common.open") })),
  )));
  if (items.some((p) => p.status === "pending" || p.status === "running")) setTimeout(refresh, 3000);
}

document.getElementById("new-playbook").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const job = await api("/playbooks", {
      method: "POST",
      body: { meter_id: form.meter_id.value, kind: form.kind.value, language: document.documentElement.lang },
    });
    toast(t("playbooks.started"), "ok");
    location.href = `/ui/playbooks/${job.id}`;
  } catch (e) {
    toast(`${t("common.error")}: ${e.message}`, "danger");
  } finally {
    button.disabled = false;
  }
});

refresh().catch((e) => tbody.replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "msg-error", text: e.message }))));
