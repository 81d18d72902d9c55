/* The hot-search page: joins the live page "weibo.hot" and redraws the list from each pushed refresh.
 * Names are set as text (never as HTML); the marks' words (新/热/沸/爆, or New/Hot/…) come from the page. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
    const section = document.querySelector("[data-hot-page]");
    if (!section || !window.Realtime) return;
    const page = section.dataset.hotPage;
    const list = section.querySelector("[data-hot-list]");
    const empty = section.querySelector("[data-hot-empty]");
    const updated = section.querySelector("[data-hot-updated]");
    const marks = JSON.parse(document.getElementById("hot-marks").textContent);
    const topicUrl = (name) => section.dataset.topicUrl.replace("NAME", encodeURIComponent(name).replace(/%2F/g, "/"));

    function el(tag, className, text) {
      const node = document.createElement(tag);
      if (className) node.className = className;
      if (text != null) node.textContent = text;
      return node;
    }

    function draw(data) {
      const rows = (data.topics || []).map((t) => {
        const li = el("li", "hot-row");
        const a = el("a", "cell compact");
        a.href = topicUrl(t.name);
        a.append(el("span", "hot-rank hot-rank-" + t.rank, String(t.rank)), el("span", "grow hot-name", t.name));
        const heat = el("span", "hot-heat", String(t.heat));
        heat.setAttribute("aria-label", interpolate(gettext("Heat %(heat)s"), { heat: t.heat }, true));
        a.append(heat);
        if (marks[t.mark]) a.append(el("span", "hot-mark hot-mark-" + t.mark, marks[t.mark]));
        li.append(a);
        return li;
      });
      list.replaceChildren(...rows);
      empty.hidden = rows.length > 0;
      updated.textContent = gettext("Updated just now");
    }

    const join = () => window.Realtime.send("join", { page }).catch(() => {});
    join();
    window.Realtime.onReconnect(join);
    window.Realtime.on("weibo.hot", draw);
  });
})();
