/* Weibo comment threads, likes and notification counts, on top of plain forms that work without it:
 * "Reply" fills the form in place, sending a comment redraws the thread from the server, likes toggle in
 * place, "N more replies" opens the rest under its floor, and counts follow `weibo.counts` live (weibo_live.js). */
(function () {
  "use strict";

  function toast(text, kind) {
    if (window.Realtime && window.Realtime.toast) window.Realtime.toast(text, kind);
  }

  function post(form) {
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then((r) => r.json().catch(() => ({ error: gettext("Something went wrong.") })));
  }

  // Redraw the thread (or whatever `selector` names) from the server's page: it is the one that knows.
  function redraw(selector, url) {
    return fetch(url || location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").querySelector(selector);
        const here = document.querySelector(selector);
        if (!fresh || !here) return;
        // ui.js asks before destructive actions on the forms it saw at load; these are new.
        fresh.querySelectorAll("form[data-confirm]").forEach((form) => {
          form.addEventListener("submit", (e) => { if (!confirm(form.dataset.confirm)) e.preventDefault(); });
        });
        here.replaceWith(fresh);
      });
  }

  document.addEventListener("click", (e) => {
    const reply = e.target.closest("[data-reply]");
    if (reply) {
      const section = reply.closest("[data-comments]");
      const form = section && section.querySelector("[data-comment-form]");
      if (!form) return;
      e.preventDefault();
      form.querySelector("[data-reply-to]").value = reply.dataset.reply;
      form.querySelector("[data-replying-name]").textContent = reply.dataset.replyName;
      form.querySelector("[data-replying]").hidden = false;
      form.querySelector("textarea").focus();
      return;
    }
    const cancel = e.target.closest("[data-reply-cancel]");
    if (cancel) {
      const form = cancel.closest("[data-comment-form]");
      e.preventDefault();
      form.querySelector("[data-reply-to]").value = "";
      form.querySelector("[data-replying]").hidden = true;
      return;
    }
    const more = e.target.closest("[data-more-replies]");
    if (more) {
      e.preventDefault();
      const item = more.closest("li");
      fetch(more.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((html) => {
          const all = new DOMParser().parseFromString(html, "text/html").querySelector("[data-all-replies]");
          const list = item.parentElement;
          if (!all) return;
          list.replaceChildren(...all.children);
        })
        .catch(() => location.assign(more.href));
    }
  });

  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (e.defaultPrevented) return; // a confirm() said no
    if (form.matches("[data-comment-form]")) {
      e.preventDefault();
      const button = form.querySelector("button");
      button.disabled = true;
      post(form)
        .then((answer) => {
          if (answer.error) { toast(answer.error, "error"); return; }
          const anchor = "#c" + answer.id;
          return redraw("[data-comments]").then(() => {
            const mine = document.querySelector(anchor);
            if (mine) mine.scrollIntoView({ block: "nearest" });
          });
        })
        .catch(() => toast(gettext("Something went wrong."), "error"))
        .finally(() => { button.disabled = false; });
      return;
    }
    if (form.matches("[data-like]")) {
      e.preventDefault();
      post(form).then((answer) => {
        if (answer.error) { toast(answer.error, "error"); return; }
        const button = form.querySelector("button");
        button.setAttribute("aria-pressed", answer.liked ? "true" : "false");
        form.querySelector("[data-like-count]").textContent = answer.likes;
        form.action = answer.liked ? form.dataset.unlikeUrl : form.dataset.likeUrl;
      });
    }
  });

  function start() {
    if (!window.Realtime) return;
    // A notification arrived (or was read): an open list of kinds asks for its unread counts.
    const kinds = document.querySelector("[data-notification-kinds]");
    function showUnread(counts) {
      Object.entries(counts || {}).forEach(([kind, count]) => {
        document.querySelectorAll(`[data-badge="weibo.${kind}"]`).forEach((el) => {
          el.textContent = count > 99 ? "99+" : String(count);
          el.hidden = !count;
        });
      });
    }
    const ask = () => window.Realtime.send("weibo.unread", {}).then((answer) => showUnread(answer.counts)).catch(() => {});
    window.Realtime.on("weibo.notification", (data) => {
      if (data.counts) showUnread(data.counts);
      else if (kinds) ask();
    });
    if (kinds) window.Realtime.onConnect(ask); // and a notification that came before the socket opened
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
