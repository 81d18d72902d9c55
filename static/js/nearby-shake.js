/* Shake: a shake of the phone (DeviceMotion; iOS asks permission on a tap), the button, or the S key sends
 * one shake over the websocket. The match ("nearby.shake.matched") or "nobody found" ("nearby.shake.none")
 * arrives as an event; the card is then fetched from the server, in the page's language. If no event came
 * by the end of the window, the page asks for the result itself. Animation and sound can be turned off
 * (the sound by its checkbox, the animation by the system's reduced-motion setting). */
(function () {
  "use strict";
  const stage = document.querySelector("[data-shake-stage]");
  if (!stage || !window.Realtime) return;
  const gettext = window.gettext || ((s) => s);
  const button = stage.querySelector("[data-shake-button]");
  const status = stage.querySelector("[data-shake-status]");
  const result = stage.querySelector("[data-shake-result]");
  const sound = stage.querySelector("[data-sound]");
  const windowMs = Number(stage.dataset.windowMs) || 4000;
  let current = null; // the open shake's id
  let fallback = null;

  sound.checked = localStorage.getItem("shake-sound") !== "off";
  sound.addEventListener("change", () => localStorage.setItem("shake-sound", sound.checked ? "on" : "off"));

  function beep() {
    if (!sound.checked || !window.AudioContext) return;
    try {
      const ctx = new AudioContext();
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.4);
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.4);
    } catch (e) {
      /* no sound: nothing else changes */
    }
  }

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
  button.addEventListener("click", shake);
  document.addEventListener("keydown", (e) => {
    if ((e.key === "s" || e.key === "S") && !e.target.closest("input, textarea, select")) shake();
  });

  // Shaking the phone: a few strong jolts within a second count as one shake.
  let jolts = [];
  function onMotion(e) {
    const a = e.accelerationIncludingGravity || e.acceleration;
    if (!a) return;
    const force = Math.abs(a.x || 0) + Math.abs(a.y || 0) + Math.abs(a.z || 0);
    const now = Date.now();
    if (force > 35) jolts.push(now);
    jolts = jolts.filter((t) => now - t < 1000);
    if (jolts.length >= 3) {
      jolts = [];
      shake();
    }
  }
  const permission = stage.querySelector("[data-motion-permission]");
  if (window.DeviceMotionEvent && typeof DeviceMotionEvent.requestPermission === "function") {
    permission.hidden = false; // iOS: motion only after the person allows it, on a tap
    permission.addEventListener("click", () => {
      DeviceMotionEvent.requestPermission().then((answer) => {
        if (answer === "granted") {
          window.addEventListener("devicemotion", onMotion);
          permission.hidden = true;
        }
      });
    });
  } else if (window.DeviceMotionEvent) {
    window.addEventListener("devicemotion", onMotion);
  }
})();
