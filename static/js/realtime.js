/* One websocket per tab, carrying every feature's events.
 *
 * Realtime.on(type, fn)        listen for a server event ("badges", "chat.message", ...)
 * Realtime.send(type, data)    ask the server; resolves with the ack's data, rejects with the error
 *                              (requests made while offline wait in a queue and go on reconnect)
 * Realtime.onReconnect(fn)     re-sync from the server after a drop (the database is the truth)
 * Realtime.onConnect(fn)       sync each time the socket opens, the first time too: what happened between
 *                              the page's render and the socket's opening was pushed to nobody
 */
(function () {
  "use strict";
  const url = document.body.dataset.ws;
  const listeners = new Map();
  const reconnectHooks = [];
  const connectHooks = [];
  const pending = new Map(); // ref -> {resolve, reject, frame}
  const queue = []; // frames waiting for a connection
  let socket = null;
  let attempt = 0;
  let nextRef = 1;
  let heartbeat = null;
  let lastSeen = 0;
  let everConnected = false;
  let loginUrl = "/accounts/login/"; // the server names it in "session.ended"
  const SESSION_ENDED = 4401; // logged out, password changed, deactivated or expired: log in again
  const HEARTBEAT_MS = 25000;
  const DEAD_AFTER_MS = 55000; // no frame (not even a pong) for this long: the connection is dead

  function emit(type, data, event) {
    (listeners.get(type) || []).forEach((fn) => fn(data, event));
    (listeners.get("*") || []).forEach((fn) => fn(data, event));
  }

  function banner(show) {
    const el = document.querySelector("[data-conn]");
    if (el) el.hidden = !show;
  }

  function setBadges(counts) {
    Object.entries(counts || {}).forEach(([key, count]) => {
      document.querySelectorAll(`[data-badge="${key}"]`).forEach((el) => {
        el.textContent = count > 99 ? "99+" : String(count);
        el.hidden = !count;
      });
    });
  }

  function deliver(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(frame);
    else queue.push(frame);
  }

  function connect() {
    if (!url) return;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + url);
    socket.addEventListener("open", () => {
      attempt = 0;
      lastSeen = Date.now();
      banner(false);
      while (queue.length) socket.send(queue.shift());
      clearInterval(heartbeat);
      heartbeat = setInterval(() => {
        if (Date.now() - lastSeen > DEAD_AFTER_MS) socket.close();
        else socket.send(JSON.stringify({ type: "ping" }));
      }, HEARTBEAT_MS);
      if (everConnected) reconnectHooks.forEach((fn) => fn());
      connectHooks.forEach((fn) => fn());
      everConnected = true;
      document.documentElement.dataset.realtime = "open";
    });
    socket.addEventListener("message", (message) => {
      lastSeen = Date.now();
      let event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event.ref != null && pending.has(event.ref) && (event.type === "ack" || event.type === "error")) {
        const waiter = pending.get(event.ref);
        pending.delete(event.ref);
        if (event.type === "ack") waiter.resolve(event.data);
        else waiter.reject(event.data);
        return;
      }
      if (event.type === "session.ended") loginUrl = event.data.login_url || loginUrl;
      if (event.type === "hello") setBadges(event.data.badges);
      if (event.type === "badges") setBadges(event.data);
      if (event.type === "error") toast(event.data.message, "error");
      emit(event.type, event.data, event);
    });
    socket.addEventListener("close", (closed) => {
      clearInterval(heartbeat);
      document.documentElement.dataset.realtime = "closed";
      if (closed.code === SESSION_ENDED) {
        // Reconnecting cannot help: the session behind this tab is over. Log in, then come back here.
        const here = location.pathname + location.search;
        location.assign(loginUrl + "?next=" + encodeURIComponent(here));
        return;
      }
      banner(true);
      // Requests in flight may or may not have arrived: resend them (client ids make that safe).
      pending.forEach((waiter) => queue.push(waiter.frame));
      attempt += 1;
      const delay = Math.min(30000, 500 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
      setTimeout(connect, attempt === 1 ? 250 : delay);
    });
  }

  function toast(text, kind) {
    let box = document.querySelector(".toasts");
    if (!box) {
      box = document.createElement("div");
      box.className = "toasts";
      box.setAttribute("role", "status");
      document.body.appendChild(box);
    }
    const item = document.createElement("div");
    item.className = "toast" + (kind ? " " + kind : "");
    item.textContent = text;
    box.appendChild(item);
    setTimeout(() => item.remove(), 4000);
  }

  window.Realtime = {
    // The site's root for this page: "/" or, in a workshop phone frame, "/phone/<n>/" (base.html's data-ws
    // carries the script prefix). URLs the JS builds itself start here, so a frame stays in its own session.
    root: url ? url.replace(/ws\/$/, "") : "/",
    on(type, fn) {
      if (!listeners.has(type)) listeners.set(type, []);
      listeners.get(type).push(fn);
    },
    onReconnect(fn) { reconnectHooks.push(fn); },
    onConnect(fn) {
      connectHooks.push(fn);
      if (everConnected && socket && socket.readyState === WebSocket.OPEN) fn(); // already open: sync now
    },
    send(type, data) {
      const ref = "r" + nextRef++;
      const frame = JSON.stringify({ type, ref, data: data || {} });
      return new Promise((resolve, reject) => {
        pending.set(ref, { resolve, reject, frame });
        deliver(frame);
      });
    },
    // This page fetched again and its element matching `selector` (null if it has none): a page that follows
    // something live redraws from the server, which is the one that knows how to draw it.
    freshCopy(selector) {
      return fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((html) => new DOMParser().parseFromString(html, "text/html").querySelector(selector));
    },
    toast,
    setBadges,
  };

  // Friend requests arrive live wherever the person is.
  window.Realtime.on("contacts.request", (data) => {
    const text = window.interpolate
      ? interpolate(gettext("%(name)s wants to be your friend"), { name: data.from }, true)
      : data.from;
    toast(text);
  });

  // A new friend shows at once wherever the person is: a toast, and an open Contacts or New Friends page is
  // redrawn from the server (the page is the one place that knows how it lists people).
  window.Realtime.on("contacts.friend_added", (data) => {
    toast(window.interpolate ? interpolate(gettext("You and %(name)s are now friends"), data, true) : data.name, "success");
    const live = document.querySelector("[data-live-contacts]");
    if (!live) return;
    window.Realtime.freshCopy("[data-live-contacts]")
      .then((fresh) => { if (fresh) live.replaceWith(fresh); })
      .catch(() => {});
  });

  // Money received (wallet QR payments) is announced wherever the person is.
  window.Realtime.on("wallet.received", (data) => {
    toast(window.interpolate ? interpolate(gettext("Received %(amount)s from %(from)s"), data, true) : data.amount, "success");
  });

  // In a workshop phone frame (root "/phone/<n>/"), an uploaded file the server names by its site-wide URL
  // ("/media/...": the same for everyone an event reaches) is read through the frame's prefix, with the frame's
  // own session: a chat photo shows to the person it was sent to, not only to the presenter.
  const root = window.Realtime.root;
  if (root !== "/") {
    const local = (img) => {
      const src = img.getAttribute("src");
      if (src && src.startsWith("/media/")) img.setAttribute("src", root + src.slice(1));
    };
    const sweep = (node) => {
      if (node.nodeType !== 1) return;
      if (node.tagName === "IMG") local(node);
      node.querySelectorAll("img[src^='/media/']").forEach(local);
    };
    new MutationObserver((changes) =>
      changes.forEach((c) => (c.type === "attributes" ? local(c.target) : c.addedNodes.forEach(sweep)))
    ).observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ["src"] });
    sweep(document.documentElement);
  }

  document.addEventListener("DOMContentLoaded", () => {
    connect();
  });
})();
