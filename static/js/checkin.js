/* Check-in pages: the poster's Print button, and the kiosk screen, which shows the venue's code (a new one
 * every 30 s, asked from the server at each slot's end) and hears each check-in ("checkin.new", sent to the
 * organiser's own tabs only, as it names who checked in).
 * The server's numbers are the truth: each event carries the day's exact count at that check-in, and events may
 * arrive out of order, so the screen keeps the highest count of the day; the code refresh re-reads the count. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
    const kiosk = document.querySelector("[data-kiosk]");
    if (!kiosk) return;
    const qr = kiosk.querySelector("[data-kiosk-qr]");
    const countNode = kiosk.querySelector("[data-kiosk-count]");
    const people = kiosk.querySelector("[data-kiosk-people]");
    const venue = Number(kiosk.dataset.venue);
    let day = kiosk.dataset.day;
    let count = Number(countNode.textContent) || 0;
    const MAX_FACES = 8;

    function showCount(newDay, n) {
      if (newDay !== day) { day = newDay; count = 0; people.replaceChildren(); }
      if (n > count) { count = n; countNode.textContent = String(n); }
    }

    function face(p) {
      let node;
      if (p.avatar) {
        node = document.createElement("img");
        node.className = "avatar avatar-44";
        node.src = p.avatar; node.alt = p.name; node.width = 44; node.height = 44;
      } else {
        node = document.createElement("span");
        node.className = "avatar avatar-44 avatar-c" + (Number(p.colour) || 0);
        node.setAttribute("role", "img");
        node.setAttribute("aria-label", p.name);
        node.textContent = p.initials || "?";
      }
      const li = document.createElement("li");
      li.className = "kiosk-new";
      li.append(node);
      return li;
    }

    let timer = null;
    function schedule(ms) { clearTimeout(timer); timer = setTimeout(refresh, ms); }

    function refresh() {
      fetch(kiosk.dataset.codeApi, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
        .then((code) => {
          qr.src = code.image;
          qr.dataset.codeUrl = code.url;
          showCount(code.day, code.count);
          schedule(Math.max(500, code.next_in + 200));
        })
        .catch(() => schedule(3000));
    }
    schedule(Math.max(500, Number(kiosk.dataset.nextIn) + 200));

    if (window.Realtime) {
      // Each time the socket opens, read the count once: check-ins before it opened (or while it was down) show.
      window.Realtime.onConnect(refresh);
      window.Realtime.on("checkin.new", (data) => {
        if (data.venue !== venue || data.day < day) return; // another of my venues, or a late event from yesterday
        showCount(data.day, data.count);
        people.prepend(face(data.person || {}));
        while (people.children.length > MAX_FACES) people.lastElementChild.remove();
      });
    }
  });
})();
