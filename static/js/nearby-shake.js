/* Shake: a shake of the phone, the button, or the S key (shake-input.js, shared with Shake nearby) sends
 * one shake over the websocket. The match ("nearby.shake.matched") or "nobody found" ("nearby.shake.none")
 * arrives as an event; the card is then fetched from the server, in the page's language. If no event came
 * by the end of the window, the page asks for the result itself. Animation and sound can be turned off
 * (the sound by its checkbox, the animation by the system's reduced-motion setting). */
(function () {
  "use strict";
  const stage = document.querySelector("[data-shake-stage]");
  if (!stage || !window.Realtime || !window.ShakeInput) return;
  const gettext = window.gettext || ((s) => s);
  const button = stage.querySelector("[data-shake-button]");
  const status = stage.querySelector("[data-shake-status]");
  const result = stage.querySelector("[data-shake-result]");
  const windowMs = Number(stage.dataset.windowMs) || 4000;
  let current = null; // the open shake's id
  let fallback = null;

  function show(id) {
    if (id !== current) return;
    clearTimeout(fallback);
    current = null;
    fetch(stage.dataset.resultUrl.replace(/0\/$/, id + "/"), { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => {
        result.innerHTML = html;
        stage.classList.remove("shaking");
        const matched = result.querySelector("[data-state=matched]");
        status.textContent = matched ? gettext("Found someone!") : "";
        if (matched) beep();
        button.disabled = false;
      })
      .catch(() => {
        button.disabled = false;
      });
  }

  function shake() {
    if (current || button.disabled) return;
    button.disabled = true;
    result.innerHTML = "";
    stage.classList.add("shaking");
    status.textContent = gettext("Looking for someone shaking at the same moment…");
    window.Realtime.send("nearby.shake", {})
      .then((ack) => {
        current = ack.shake;
        if (ack.state !== "waiting") return show(ack.shake);
        fallback = setTimeout(() => show(ack.shake), (ack.window_ms || windowMs) + 1500);
      })
      .catch((err) => {
        stage.classList.remove("shaking");
        button.disabled = false;
        status.textContent = (err && err.message) || gettext("That didn't work. Please try again.");
      });
  }

  window.Realtime.on("nearby.shake.matched", (data) => show(data.shake));
  window.Realtime.on("nearby.shake.none", (data) => show(data.shake));
  const input = window.ShakeInput.attach(stage, shake);
  const beep = input.beep;
})();
