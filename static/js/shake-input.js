/* Shaking, shared by Shake (People Nearby, nearby-shake.js) and Shake nearby (check-in, checkin-beacon.js):
 * a shake of the phone (DeviceMotion; iOS asks permission on a tap), the stage's button, or the S key calls the
 * page's `onShake`; `beep()` plays a short tone when the stage's Sound box is ticked (remembered per browser).
 * The controls are templates/_shake_controls.html. */
(function () {
  "use strict";

  function attach(stage, onShake) {
    const button = stage.querySelector("[data-shake-button]");
    const sound = stage.querySelector("[data-sound]");
    const permission = stage.querySelector("[data-motion-permission]");

    if (sound) {
      sound.checked = localStorage.getItem("shake-sound") !== "off";
      sound.addEventListener("change", () => localStorage.setItem("shake-sound", sound.checked ? "on" : "off"));
    }

    function beep() {
      if (!sound || !sound.checked || !window.AudioContext) return;
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

    button.addEventListener("click", onShake);
    document.addEventListener("keydown", (e) => {
      if ((e.key === "s" || e.key === "S") && !e.target.closest("input, textarea, select")) onShake();
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
        onShake();
      }
    }
    if (window.DeviceMotionEvent && typeof DeviceMotionEvent.requestPermission === "function" && permission) {
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
    return { beep, button };
  }

  window.ShakeInput = { attach };
})();
