// Runs before first paint (classic script in <head>): resolve the theme and wire the toggle.
// The choice is a cookie ("light" | "dark"); without one, the OS preference decides.
(function () {
  const root = document.documentElement;
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  const chosen = () => (document.cookie.match(/(?:^|; )luna_theme=(light|dark)/) || [])[1];
  const apply = () => {
    root.dataset.theme = chosen() || (media.matches ? "dark" : "light");
    window.dispatchEvent(new CustomEvent("luna:theme", { detail: root.dataset.theme }));
  };
  apply();
  media.addEventListener("change", apply);
  document.addEventListener("DOMContentLoaded", () => {
    const button = document.getElementById("theme-toggle");
    if (!button) return;
    const sync = () => button.setAttribute("aria-pressed", String(root.dataset.theme === "dark"));
    sync();
    button.addEventListener("click", () => {
      const next = root.dataset.theme === "dark" ? "light" : "dark";
      document.cookie = `luna_theme=${next}; path=/; max-age=31536000; samesite=lax`;
      apply();
      sync();
    });
  });
})();
