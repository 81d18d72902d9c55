/* Drift bottles: the throw and cast animations (skipped under prefers-reduced-motion: the form submits at
 * once), the character counter, and "My bottles" hearing a reply live (bottles.reply). */
(function () {
  "use strict";
  const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const gettext = window.gettext || ((s) => s);

  // Play the animation, then send the form (once).
  function animateThenSubmit(form, scene, className, ms) {
    form.addEventListener("submit", (e) => {
      if (still || form.dataset.sent || !scene) return;
      e.preventDefault();
      form.dataset.sent = "1";
      scene.classList.add(className);
      setTimeout(() => form.submit(), ms);
    });
  }
  const pickForm = document.querySelector("[data-pick-form]");
  if (pickForm) animateThenSubmit(pickForm, document.querySelector("[data-beach]"), "casting", 900);
  const throwForm = document.querySelector("[data-throw-form]");
  if (throwForm) animateThenSubmit(throwForm, throwForm, "throwing", 500);

  // Characters left in the bottle.
  document.querySelectorAll("[data-counter]").forEach((input) => {
    const out = document.getElementById(input.dataset.counter);
    const max = Number(out.dataset.max);
    const show = () => {
      const left = max - input.value.length;
      out.textContent = interpolate(gettext("%(n)s characters left"), { n: left }, true);
      out.classList.toggle("over", left < 0);
    };
    input.addEventListener("input", show);
    if (input.value) show(); // typed before this script ran (it is deferred)
  });

  // My bottles: a reply arrives while the page is open.
  let mine = document.querySelector("[data-my-bottles]");
  if (mine && window.Realtime) {
    window.Realtime.on("bottles.reply", (data) => {
      const row = mine.querySelector(`[data-bottle="${Number(data.bottle)}"]`);
      if (!row) { location.reload(); return; }
      const state = row.querySelector("[data-state]");
      state.textContent = mine.dataset.repliedLabel;
      state.className = "state state-replied";
      state.dataset.state = "replied";
      const box = row.querySelector("[data-reply]");
      const p = document.createElement("p");
      const who = document.createElement("strong");
      who.textContent = data.name;
      p.append(who, document.createTextNode(": " + data.reply));
      const link = document.createElement("a");
      link.className = "btn btn-small";
      link.href = `${window.Realtime.root}chats/${Number(data.conversation)}/`;
      link.textContent = mine.dataset.openLabel;
      box.replaceChildren(p, link);
      box.classList.add("fresh");
    });
    // A reply between this page's render and its socket's opening (or during a drop) was pushed to nobody:
    // each opening, the first too, reads the list again while a bottle still waits for one.
    window.Realtime.onConnect(async () => {
      if (!mine.querySelector("[data-state=drifting], [data-state=held]")) return;
      try {
        const fresh = await window.Realtime.freshCopy("[data-my-bottles]");
        if (fresh) {
          mine.replaceWith(fresh);
          mine = fresh;
        }
      } catch (e) {
        // a fetch cut short by leaving the page is no error
      }
    });
  }
})();
