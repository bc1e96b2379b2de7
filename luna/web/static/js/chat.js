// Chat with the energy assistant: POST /chat streamed as SSE (tool calls, sources, tokens,
// done), citations that open the cited passage, thumbs up/down per answer (POST /feedback).
import { api, sseFetch, t, toast, el, fmtDateTime } from "./core.js";
import { openPassage } from "./passage.js";

const messages = document.getElementById("messages");
const form = document.getElementById("chat-form");
const input = document.getElementById("chat-input");
const send = document.getElementById("chat-send");
const threadList = document.getElementById("thread-list");
let threadId = null;

function scroll() { messages.scrollTop = messages.scrollHeight; }

function showSource(c) {
  if (c.kind === "document" || (c.item_id && c.chunk_id)) return openPassage(c);
  // data citations: what was queried and what came back
  openPassage({ title: c.title || c.label || t("chat.data_source"), quote: [c.summary, c.query].filter(Boolean).join("\n\n") || JSON.stringify(c, null, 2) });
}

function citationChips(box, citations) {
  box.replaceChildren(...citations.map((c) => el("button", {
    type: "button", class: "cite", "data-kind": c.kind || "document",
    title: c.quote || c.summary || c.title || "",
    onclick: () => showSource(c),
    text: `[${c.n}] ${c.title || c.label || c.ref || t("chat.source")}${c.page ? `, ${t("chat.page")} ${c.page}` : ""}`,
  })));
}

function feedbackButtons(box, answerId) {
  const started = performance.now();
  const vote = async (value, button) => {
    try {
      await api("/feedback", { method: "POST", body: {
        target_type: "answer", target_id: answerId, vote: value, reasons: [],
        time_to_feedback_ms: Math.round(performance.now() - started) } });
      box.querySelectorAll("button").forEach((b) => b.classList.toggle("voted", b === button));
      box.querySelector(".fb-note").textContent = t("chat.thanks");
    } catch (e) {
      toast(`${t("common.error")}: ${e.message}`, "danger");
    }
  };
  const up = el("button", { type: "button", class: "btn btn-sm btn-ghost", "aria-label": t("chat.helpful"), title: t("chat.helpful"), "data-vote": "up", text: "👍" });
  const down = el("button", { type: "button", class: "btn btn-sm btn-ghost", "aria-label": t("chat.not_helpful"), title: t("chat.not_helpful"), "data-vote": "down", text: "👎" });
  up.addEventListener("click", () => vote("up", up));
  down.addEventListener("click", () => vote("down", down));
  box.replaceChildren(up, down, el("span", { class: "muted fb-note" }));
  if (!answerId) { up.disabled = down.disabled = true; }
}

function bubble(role, text = "") {
  document.getElementById("chat-empty")?.remove();
  const node = el("div", { class: `msg msg-${role}` });
  const tools = el("div", { class: "msg-tools", hidden: true });
  const body = el("div", { class: "msg-body", text });
  const sources = el("div", { class: "msg-sources" });
  const feedback = el("div", { class: "msg-feedback" });
  if (role === "assistant") node.append(tools, body, sources, feedback);
  else node.append(body);
  messages.append(node);
  scroll();
  return { node, tools, body, sources, feedback };
}

async function ask(question) {
  bubble("user", question);
  const answer = bubble("assistant");
  answer.body.classList.add("typing");
  answer.node.setAttribute("aria-busy", "true");
  send.disabled = true;
  let text = "";
  let sources = [];
  let finished = false;
  // The answer is complete at `done`/`error`; the server may keep the stream open a little
  // longer for its bookkeeping, so the UI does not wait for the stream's end.
  const finish = () => {
    if (finished) return;
    finished = true;
    answer.body.classList.remove("typing");
    answer.node.removeAttribute("aria-busy");
    send.disabled = false;
    scroll();
    loadThreads().catch(() => {});
  };
  try {
    await sseFetch("/chat", { message: question, thread_id: threadId, stream: true }, (event, data) => {
      if (event === "thread") threadId = data.thread_id;
      else if (event === "tool_call") {
        answer.tools.hidden = false;
        answer.tools.textContent = `${t("chat.using")} ${data.name}…`;
      } else if (event === "tool_result") {
        answer.tools.textContent = `${t("chat.used")} ${data.name || ""} ${data.status === "success" ? "✓" : "✗"}`;
      } else if (event === "sources") {
        sources = data.sources || [];
        citationChips(answer.sources, sources);
      } else if (event === "token") {
        text += data.text;
        answer.body.textContent = text;
        scroll();
      } else if (event === "done") {
        answer.body.textContent = data.answer || text;
        if (data.citations?.length) citationChips(answer.sources, data.citations);
        answer.node.dataset.answerId = data.answer_id || "";
        feedbackButtons(answer.feedback, data.answer_id);
        finish();
      } else if (event === "error") {
        answer.body.textContent = `${t("chat.failed")}: ${data.error}`;
        answer.body.classList.add("msg-error");
        finish();
      }
    });
  } catch (e) {
    answer.body.textContent = `${t("chat.failed")}: ${e.message}`;
    answer.body.classList.add("msg-error");
  } finally {
    finish();
  }
}

async function openThread(id) {
  const thread = await api(`/chat/threads/${id}`);
  threadId = id;
  messages.replaceChildren();
  for (const m of thread.messages) {
    const b = bubble(m.role === "user" ? "user" : "assistant", m.content);
    if (m.role !== "user") citationChips(b.sources, m.citations || []);
  }
  threadList.querySelectorAll("button").forEach((b) => b.classList.toggle("active", b.dataset.id === id));
}

async function loadThreads() {
  const threads = await api("/chat/threads");
  threadList.replaceChildren(...threads.map((th) => el("li", {}, el("button", {
    type: "button", "data-id": th.id, class: th.id === threadId ? "active" : "", title: fmtDateTime(th.updated_at),
    onclick: () => openThread(th.id).catch((e) => toast(e.message, "danger")), text: th.title }))));
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const q = input.value.trim();
  if (!q || send.disabled) return;
  input.value = "";
  ask(q);
});
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
});
document.querySelectorAll(".suggestion").forEach((b) => b.addEventListener("click", () => { input.value = b.textContent; form.requestSubmit(); }));
document.getElementById("new-thread").addEventListener("click", () => {
  threadId = null;
  messages.replaceChildren(el("div", { class: "empty", id: "chat-empty", text: t("chat.empty") }));
  input.focus();
});
loadThreads().catch(() => {});
