/* The presenter's console: says it is open (workshop.watch, every 10 s), joins the consoles' live page, and
 * redraws counters, sparklines, boards and the activity stream from each "workshop.tick" (about once a second).
 * Text is set as text, never as HTML. Lines come in every language; the page's own is shown. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
    const root = document.querySelector("[data-console]");
    if (!root || !window.Realtime) return;
    const lang = root.dataset.lang || "en";
    const say = (text) => (text && (text[lang] || text.en)) || "";
    const stream = root.querySelector("[data-stream]");
    const streamEmpty = root.querySelector("[data-stream-empty]");
    const clockEl = root.querySelector("[data-clock]");
    const SHOW_LINES = 30;
    const HISTORY = 60; // seconds of sparkline
    const history = new Map(); // source key -> rows added per tick
    let offset = Number(clockEl.dataset.offset || 0) * 1000;
    let page = null;

    function el(tag, className, text) {
      const node = document.createElement(tag);
      if (className) node.className = className;
      if (text != null) node.textContent = text;
      return node;
    }

    function drawClock() {
      const now = new Date(Date.now() + offset);
      clockEl.textContent = now.toLocaleString(lang === "zh-hans" ? "zh-CN" : lang, {
        weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
      });
      clockEl.setAttribute("datetime", now.toISOString());
    }

    function spark(key, added) {
      const values = history.get(key) || new Array(HISTORY).fill(0); // a flat line before the first tick
      values.push(added || 0);
      if (values.length > HISTORY) values.shift();
      history.set(key, values);
      const line = root.querySelector(`[data-counter="${CSS.escape(key)}"] [data-spark]`);
      if (!line) return;
      const top = Math.max(1, ...values);
      const step = 120 / (HISTORY - 1);
      const start = HISTORY - values.length;
      line.setAttribute("points", values.map((v, i) => `${((start + i) * step).toFixed(1)},${(27 - (v / top) * 25).toFixed(1)}`).join(" "));
    }

    function counts(sources, counted) {
      Object.entries(counted).forEach(([key, n]) => {
        const box = root.querySelector(`[data-counter="${CSS.escape(key)}"]`);
        if (!box) return;
        const number = box.querySelector("[data-count]");
        if (number.textContent !== String(n)) {
          number.textContent = String(n);
          box.classList.remove("bump");
          void box.offsetWidth; // restart the animation
          box.classList.add("bump");
        }
      });
    }

    function addLines(lines) {
      lines.forEach((line) => {
        const li = el("li", "fresh", say(line.text));
        li.dataset.source = line.source;
        stream.prepend(li);
      });
      while (stream.children.length > SHOW_LINES) stream.lastElementChild.remove();
      streamEmpty.hidden = stream.children.length > 0;
    }

    function boards(list) {
      (list || []).forEach((board) => {
        const box = root.querySelector(`[data-board="${CSS.escape(board.key)}"]`);
        if (!box) return;
        const rows = board.rows.map((row) => {
          const li = el("li");
          li.append(el("span", "board-text", say(row.text)), el("span", "board-value", row.value));
          return li;
        });
        box.querySelector("[data-rows]").replaceChildren(...rows);
        box.querySelector("[data-empty]").hidden = rows.length > 0;
      });
    }

    function clock(state) {
      if (!state) return;
      offset = Number(state.offset) * 1000;
    }

    function watch(first) {
      return window.Realtime.send("workshop.watch", {}).then((data) => {
        if (data.page !== page) {
          page = data.page;
          window.Realtime.send("join", { page }).catch(() => {});
        }
        if (first) {
          const counted = {};
          data.sources.forEach((s) => { counted[s.key] = s.count; });
          counts(data.sources, counted);
          boards(data.boards);
          clock(data.clock);
        }
      }).catch(() => {});
    }

    window.Realtime.on("workshop.tick", (data) => {
      counts(null, data.counts || {});
      Object.keys(data.counts || {}).forEach((key) => spark(key, (data.added || {})[key]));
      addLines(data.lines || []);
      boards(data.boards);
      clock(data.clock);
    });
    window.Realtime.onConnect(() => { page = null; watch(true); });
    setInterval(() => watch(false), 10_000);
    drawClock();
    setInterval(drawClock, 1000);
  });
})();
