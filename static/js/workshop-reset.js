/* The reset page: while the form's POST runs (the page stays until the answer comes), draw each step the
 * server sends the consoles ("workshop.reset"). Text is set as text. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("[data-reset-form]");
    const box = document.querySelector("[data-reset-progress]");
    if (!form || !box || !window.Realtime) return;
    const bar = box.querySelector("[data-reset-bar]");
    const steps = box.querySelector("[data-reset-steps]");
    const lang = document.documentElement.lang === "zh-Hans" ? "zh-hans" : "en";
    window.Realtime.onConnect(() => {
      window.Realtime.send("workshop.watch", {})
        .then((data) => window.Realtime.send("join", { page: data.page }))
        .catch(() => {});
    });
    window.Realtime.on("workshop.reset", (data) => {
      if (data.done || !data.of) return;
      box.hidden = false;
      bar.max = data.of;
      bar.value = data.number;
      const li = document.createElement("li");
      li.textContent = `${data.number}/${data.of} ${(data.text && (data.text[lang] || data.text.en)) || ""}`;
      steps.append(li);
    });
    form.addEventListener("submit", () => {
      box.hidden = false;
      form.querySelector("[type=submit]").disabled = true;
    });
  });
})();
