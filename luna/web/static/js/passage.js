// The cited passage of a document, opened in a dialog (GET /items/{id} holds its chunks).
import { api, t } from "./core.js";

const cache = new Map();

export async function openPassage({ item_id, chunk_id, title, page, section, quote }) {
  const dialog = document.getElementById("passage");
  const meta = document.getElementById("passage-meta");
  const text = document.getElementById("passage-text");
  document.getElementById("passage-title").textContent = title || t("chat.passage");
  meta.textContent = [page ? `${t("chat.page")} ${page}` : null, section].filter(Boolean).join(" · ");
  text.textContent = quote || t("common.loading");
  dialog.showModal();
  try {
    if (!cache.has(item_id)) cache.set(item_id, api(`/items/${item_id}`));
    const item = await cache.get(item_id);
    const chunk = item.chunks.find((c) => String(c.id) === String(chunk_id));
    if (chunk) {
      text.textContent = chunk.text;
      meta.textContent = [item.title, chunk.page ? `${t("chat.page")} ${chunk.page}` : null, chunk.section].filter(Boolean).join(" · ");
    }
  } catch (e) {
    if (!quote) text.textContent = `${t("common.error")}: ${e.message}`;
  }
}
