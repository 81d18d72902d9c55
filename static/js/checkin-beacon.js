/* Shake nearby (templates/checkin/beacon.html): each shake (shake-input.js) is a POST to the stage's action; the server
 * answers with the card to show (the venue whose simulated beacon is near, nothing, or why not), in the page's
 * language. */
(function () {
  "use strict";
  const stage = document.querySelector("[data-beacon-stage]");
  if (!stage || !window.ShakeInput) return;
  const gettext = window.gettext || ((s) => s);
  const status = stage.querySelector("[data-shake-status]");
  const result = stage.querySelector("[data-shake-result]");
  let busy = false;
  let input = null;

  function shake() {
    if (busy) return;
    busy = true;
    input.button.disabled = true;
    result.innerHTML = "";
    stage.classList.add("shaking");
    status.textContent = gettext("Looking for a venue's beacon…");
    const csrf = stage.querySelector("[name=csrfmiddlewaretoken]").value;
    fetch(stage.dataset.action, { method: "POST", credentials: "same-origin", headers: { Accept: "text/html", "X-CSRFToken": csrf } })
      .then((r) => r.text())
      .then((html) => {
        result.innerHTML = html;
        const found = result.querySelector("[data-found=yes]");
        status.textContent = found ? gettext("Found a venue nearby!") : "";
        if (found) input.beep();
      })
      .catch(() => {
        status.textContent = gettext("That didn't work. Please try again.");
      })
      .finally(() => {
        // A moment's pause, so one shake of the phone (several jolts) asks once.
        setTimeout(() => {
          stage.classList.remove("shaking");
          input.button.disabled = false;
          busy = false;
        }, 600);
      });
  }

  input = window.ShakeInput.attach(stage, shake);
})();
