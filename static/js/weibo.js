/* Weibo pages: infinite scroll, the live "N new posts" pill, live counts, the picture viewer, the composer.
 *
 * New posts announced over the websocket (event "weibo.post", taken back by "weibo.post_deleted") are only
 * counted in the pill: nothing moves under the reader. A tap loads them above the card being read, which stays
 * where it is on the screen. Counts under posts follow "weibo.counts" (weibo_live.js).
 */
(function () {
  "use strict";
  const fmt = (s, data) => (window.interpolate ? interpolate(s, data, true) : s);

  function parseFragment(html) {
    const box = document.createElement("div");
    box.innerHTML = html; // server-rendered cards: every user text in them is escaped by the template
    const end = box.querySelector("[data-feed-next]");
    if (end) end.remove();
    return {
      nodes: Array.from(box.children),
      next: end ? end.dataset.feedNext : "",
      newest: end ? end.dataset.feedNewest : "",
    };
  }

  function fetchPage(feed, query) {
    return fetch(`${feed.dataset.feed}?${query}`, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then(parseFragment);
  }

  // Where the screen's readable part starts: under the sticky app bar.
  function screenTop() {
    const bar = document.querySelector(".topbar");
    return bar ? bar.getBoundingClientRect().bottom : 0;
  }

  // The card the reader is reading: the first one not hidden above the screen.
  function readingCard(feed) {
    const top = screenTop();
    return Array.from(feed.querySelectorAll(":scope > [data-post]"))
      .find((card) => card.getBoundingClientRect().bottom > top) || null;
  }

  // Scroll down by `by` pixels; a page too short to scroll that far grows at the bottom.
  function scrollDown(by) {
    if (by <= 0) return;
    const missing = window.scrollY + window.innerHeight + by - document.documentElement.scrollHeight;
    const main = document.querySelector("main");
    if (missing > 0 && main) main.style.minHeight = `${main.offsetHeight + missing}px`;
    window.scrollBy(0, by);
  }

  function setupFeed(feed) {
    const firstEnd = feed.querySelector("[data-feed-next]");
    let next = firstEnd ? firstEnd.dataset.feedNext : "";
    let newest = firstEnd ? firstEnd.dataset.feedNewest : "";
    const status = document.querySelector("[data-feed-status]");
    const pill = document.querySelector("[data-new-posts]");
    const seen = new Set(); // ids announced and not yet loaded
    const gone = new Set(); // ids deleted since this page was shown (an announcement may come after its retraction)
    let above = null; // the newest card loaded, while it is above the screen and the reader has not been up to it
    let loading = false;

    // Infinite scroll: a sentinel under the last card asks for the next page.
    const sentinel = document.createElement("div");
    sentinel.className = "mb-sentinel";
    feed.after(sentinel);
    function loadMore() {
      if (loading || !next) return;
      loading = true;
      if (status) status.hidden = false;
      fetchPage(feed, `before=${encodeURIComponent(next)}`)
        .then((page) => {
          page.nodes.forEach((node) => feed.appendChild(node));
          next = page.next;
        })
        .catch(() => {})
        .finally(() => {
          loading = false;
          if (status) status.hidden = true;
        });
    }
    if ("IntersectionObserver" in window) {
      new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) loadMore();
      }, { rootMargin: "600px 0px" }).observe(sentinel);
      document.querySelectorAll("[data-feed-more]").forEach((link) => link.remove()); // scrolling loads them
    }

    if (!pill || !feed.dataset.feedLive || !window.Realtime) return;
    const switchTo = pill.dataset.newPostsSwitch; // a ranked view offers the newest one instead of loading here
    function showPill() {
      if (above && !seen.size) {
        pill.textContent = gettext("New posts above ↑");
      } else if (switchTo) {
        pill.textContent = fmt(ngettext("%(n)s new post · see newest", "%(n)s new posts · see newest", seen.size),
          { n: seen.size });
      } else {
        pill.textContent = fmt(ngettext("%(n)s new post", "%(n)s new posts", seen.size), { n: seen.size });
      }
      pill.hidden = seen.size === 0 && !above;
    }
    // The square, a topic and a person each have a live page that hears their new posts; Home hears the
    // reader's people and topics on the reader's own tabs. A page's events name it: this feed counts its own.
    const livePage = feed.dataset.feedPage || "";
    const muted = new Set((feed.dataset.feedMuted || "").split(" ").filter(Boolean).map(Number));
    const join = () => window.Realtime.send("join", { page: livePage }).catch(() => {});
    window.Realtime.on("weibo.post", (data) => {
      const id = Number(data.id);
      if ((data.page || "") !== livePage) return;
      if (newest && id <= Number(newest)) return;
      if (gone.has(id) || muted.has(data.author_id) || muted.has(data.origin_author_id)) return;
      seen.add(id);
      showPill();
    });
    window.Realtime.on("weibo.post_deleted", (data) => {
      const id = Number(data.id);
      gone.add(id);
      if (seen.delete(id)) showPill();
    });

    function loadNew() {
      fetchPage(feed, newest ? `after=${encodeURIComponent(newest)}` : "")
        .then((page) => {
          // The new cards go above the one being read, which stays where it is on the screen.
          const reading = readingCard(feed);
          const before = reading ? reading.getBoundingClientRect().top : 0;
          const empty = feed.querySelector(".empty");
          if (empty) empty.remove();
          const first = feed.firstElementChild;
          page.nodes.forEach((node) => feed.insertBefore(node, first));
          if (reading) scrollDown(reading.getBoundingClientRect().top - before);
          if (page.newest) newest = page.newest;
          const added = page.nodes.filter((node) => node.dataset && node.dataset.post);
          seen.clear();
          // Not all in sight (there was little room above the card being read): the pill offers the way up to
          // them, until the reader has been there.
          above = added.length && added[0].getBoundingClientRect().top < screenTop() - 1 ? added[0] : null;
          if (above) window.addEventListener("scroll", upThere, { passive: true });
          showPill();
          const top = added.length ? added[0].querySelector("a") : null;
          if (top) top.focus({ preventScroll: true });
        })
        .catch(() => {});
    }
    function upThere() {
      if (above && above.getBoundingClientRect().top < screenTop() - 1) return;
      above = null;
      window.removeEventListener("scroll", upThere);
      showPill();
    }
    pill.addEventListener("click", () => {
      if (above && !seen.size) {
        window.scrollBy(0, above.getBoundingClientRect().top - screenTop()); // asked for: up to the new posts
        upThere();
      } else if (switchTo) {
        window.location.assign(switchTo);
      } else {
        loadNew();
      }
    });
    // Each time the socket opens (the first time too: posts made since this page was rendered were announced
    // to nobody here), join the live page, then ask the server what is newer (the database is the truth).
    function catchUp() {
      if (!newest) return;
      fetchPage(feed, `after=${encodeURIComponent(newest)}`).then((page) => {
        page.nodes.forEach((node) => {
          const id = node.dataset && Number(node.dataset.post);
          if (id && !gone.has(id)) seen.add(id);
        });
        showPill();
      }).catch(() => {});
    }
    window.Realtime.onConnect(() => (livePage ? join() : Promise.resolve()).then(catchUp));
  }

  // The card's like button is a plain form (works without script); here it toggles in place.
  function setupLikes() {
    document.addEventListener("submit", (e) => {
      const form = e.target;
      if (e.defaultPrevented || !form.matches("[data-post-like]")) return;
      e.preventDefault();
      const button = form.querySelector("button");
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then((r) => r.json())
        .then((answer) => {
          if (answer.error) {
            if (window.Realtime && window.Realtime.toast) window.Realtime.toast(answer.error, "error");
            return;
          }
          button.setAttribute("aria-pressed", answer.liked ? "true" : "false");
          form.action = answer.liked ? form.dataset.unlikeUrl : form.dataset.likeUrl;
          form.querySelector('[data-count="likes"]').textContent = String(answer.likes);
        })
        .catch(() => form.submit()) // the server's page will say what happened
        .finally(() => { button.disabled = false; });
    });
  }

  function setupViewer() {
    const dialog = document.querySelector("[data-viewer]");
    if (!dialog || !dialog.showModal) return;
    const img = dialog.querySelector("[data-viewer-img]");
    const count = dialog.querySelector("[data-viewer-count]");
    let items = [];
    let index = 0;
    function show(i) {
      index = (i + items.length) % items.length;
      const link = items[index];
      img.src = link.href;
      img.alt = link.querySelector("img").alt;
      count.textContent = fmt(gettext("%(n)s / %(total)s"), { n: index + 1, total: items.length });
      dialog.querySelector("[data-viewer-prev]").hidden = items.length < 2;
      dialog.querySelector("[data-viewer-next]").hidden = items.length < 2;
    }
    document.addEventListener("click", (e) => {
      const link = e.target.closest("[data-viewer-item]");
      if (!link) return;
      e.preventDefault();
      items = Array.from(link.closest("[data-viewer-set]").querySelectorAll("[data-viewer-item]"));
      show(items.indexOf(link));
      dialog.showModal();
      dialog.querySelector("[data-viewer-close]").focus();
    });
    dialog.querySelector("[data-viewer-prev]").addEventListener("click", () => show(index - 1));
    dialog.querySelector("[data-viewer-next]").addEventListener("click", () => show(index + 1));
    dialog.querySelector("[data-viewer-close]").addEventListener("click", () => dialog.close());
    img.addEventListener("click", () => dialog.close());
    dialog.addEventListener("keydown", (e) => {
      if (e.key === "ArrowLeft") show(index - 1);
      if (e.key === "ArrowRight") show(index + 1);
    });
  }

  function setupComposer() {
    document.querySelectorAll("textarea[data-counted]").forEach((area) => {
      const max = Number(area.dataset.counted);
      const out = document.querySelector(`[data-count-for="${area.id}"]`);
      function update() {
        const used = Array.from(area.value.trim()).length; // characters, as the server counts them
        out.classList.toggle("is-over", used > max);
        out.textContent = used > max
          ? fmt(gettext("%(n)s characters too many"), { n: used - max })
          : fmt(gettext("%(n)s / %(max)s"), { n: used, max: max });
      }
      area.addEventListener("input", update);
      update();
    });
    const input = document.querySelector("input[data-max-files]");
    const chosen = document.querySelector("[data-chosen]");
    if (!input || !chosen) return;
    input.addEventListener("change", () => {
      chosen.replaceChildren();
      const max = Number(input.dataset.maxFiles);
      Array.from(input.files).forEach((file, i) => {
        const li = document.createElement("li");
        const img = document.createElement("img");
        img.src = URL.createObjectURL(file);
        img.alt = fmt(gettext("Picture %(n)s"), { n: i + 1 });
        li.appendChild(img);
        chosen.appendChild(li);
      });
      if (input.files.length > max) {
        input.setCustomValidity(fmt(gettext("You can add at most %(max)s pictures."), { max: max }));
        input.reportValidity();
      } else {
        input.setCustomValidity("");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const feed = document.querySelector("[data-feed]");
    if (feed) setupFeed(feed);
    setupLikes();
    setupViewer();
    setupComposer();
  });
})();
