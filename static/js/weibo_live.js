/* Live counts under Weibo posts (reposts, comments, likes), for every reader of the post.
 *
 * Each post on screen (a timeline card, the post page, the original embedded in a repost) is followed by
 * joining its live page "weibo.post.<id>"; the server sends "weibo.counts" to that page. Only posts near the
 * viewport are followed, at most MAX_FOLLOWED at once: on a long infinite scroll the ones scrolled past longest
 * ago are left first. After joining, the tab asks for the posts' counts once ("weibo.counts"), so a change made
 * between rendering and joining (or while the post was not followed, or the connection was down) shows too.
 */
(function () {
  "use strict";
  const MAX_FOLLOWED = 60; // well inside the server's limit per tab (apps.core.realtime.MAX_PAGES_PER_TAB)
  const page = (id) => `weibo.post.${id}`;
  const followed = new Map(); // post id -> when it was last near the viewport (Map order: oldest join first)
  const near = new Map(); // post id -> how many of its count elements are near the viewport
  const wanted = new Set(); // near posts not followed yet
  let flushing = null;

  function show(counts) {
    ["reposts", "comments", "likes"].forEach((key) => {
      if (counts[key] == null) return;
      document.querySelectorAll(`[data-post-count="${Number(counts.post_id)}"][data-count="${key}"]`).forEach((el) => {
        el.textContent = String(counts[key]);
      });
    });
  }

  function catchUp(ids) {
    if (!ids.length) return Promise.resolve();
    return window.Realtime.send("weibo.counts", { posts: ids })
      .then((answer) => (answer.counts || []).forEach(show))
      .catch(() => {});
  }

  function flush() {
    flushing = null;
    const joining = Array.from(wanted).filter((id) => !followed.has(id));
    wanted.clear();
    if (!joining.length) return;
    const now = Date.now();
    // Make room: leave the posts seen longest ago that are no longer near the viewport.
    const room = MAX_FOLLOWED - joining.length;
    const leaving = Array.from(followed.entries())
      .filter(([id]) => !near.get(id))
      .sort((a, b) => a[1] - b[1])
      .slice(0, Math.max(0, followed.size - room))
      .map(([id]) => id);
    leaving.forEach((id) => followed.delete(id));
    if (leaving.length) window.Realtime.send("leave", { pages: leaving.map(page) }).catch(() => {});
    joining.slice(0, Math.max(0, MAX_FOLLOWED - followed.size)).forEach((id) => followed.set(id, now));
    const joined = joining.filter((id) => followed.has(id));
    if (!joined.length) return;
    window.Realtime.send("join", { pages: joined.map(page) })
      .then(() => catchUp(joined))
      .catch(() => joined.forEach((id) => followed.delete(id)));
  }

  function seen(id, isNear) {
    near.set(id, Math.max(0, (near.get(id) || 0) + (isNear ? 1 : -1)));
    if (!isNear) return;
    if (followed.has(id)) followed.set(id, Date.now());
    else wanted.add(id);
    if (!flushing) flushing = setTimeout(flush, 150);
  }

  function start() {
    if (!window.Realtime) return;
    window.Realtime.on("weibo.counts", show);
    // After a dropped connection the new socket has joined nothing: join again and catch up.
    window.Realtime.onReconnect(() => {
      const ids = Array.from(followed.keys());
      if (!ids.length) return;
      window.Realtime.send("join", { pages: ids.map(page) }).then(() => catchUp(ids)).catch(() => {});
    });
    const watched = new WeakSet();
    const observer = "IntersectionObserver" in window
      ? new IntersectionObserver((entries) => {
        entries.forEach((e) => {
          const id = Number(e.target.dataset.postCount);
          const was = e.target.dataset.near === "1";
          if (was === e.isIntersecting) return;
          e.target.dataset.near = e.isIntersecting ? "1" : "";
          seen(id, e.isIntersecting);
        });
      }, { rootMargin: "800px 0px" })
      : null;
    function watch(root) {
      root.querySelectorAll("[data-post-count]").forEach((el) => {
        if (watched.has(el)) return;
        watched.add(el);
        if (observer) observer.observe(el);
        else seen(Number(el.dataset.postCount), true); // no observer: follow (up to the bound) all shown
      });
    }
    watch(document);
    // Cards added later (infinite scroll, the "new posts" pill) are followed when they come near.
    new MutationObserver((changes) => {
      changes.forEach((c) => c.addedNodes.forEach((n) => {
        if (n.nodeType !== 1) return;
        if (n.matches("[data-post-count]")) watch(n.parentNode || document);
        else watch(n);
      }));
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
