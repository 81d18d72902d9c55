/* Wallet: live "received ¥X" notices, red packet cards (opened marks, the 開 modal), print buttons. */
(function () {
  "use strict";
  const gettext = (s) => (window.gettext ? window.gettext(s) : s);
  const fmt = (s, o) => (window.interpolate ? window.interpolate(s, o, true) : s);

  function csrf() {
    const input = document.querySelector("[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  const root = () => (window.Realtime && window.Realtime.root) || "/";

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  // --- Live payments --------------------------------------------------------------------------
  function showBalance(d) {
    const box = document.querySelector("[data-balance]");
    if (box && d && d.balance) box.textContent = d.balance;
  }

  function onReady() {
    if (!window.Realtime) return;
    window.Realtime.on("wallet.balance", showBalance);
    window.Realtime.on("wallet.received", (d) => {
      showBalance(d); // the "Received ¥X" toast itself comes from realtime.js, on every page
      const list = document.querySelector("[data-received]");
      if (list) {
        const li = el("li");
        li.append(el("span", "", d.from), el("strong", "", d.amount));
        list.prepend(li);
      }
    });
    // A transfer page follows its transfer: accepted, returned or expired elsewhere shows here at once.
    // Not while this page is leaving by its own form (Accept, Return): a reload would abort that request.
    let leaving = false;
    document.addEventListener("submit", (e) => { if (!e.defaultPrevented) leaving = true; });
    window.Realtime.on("wallet.transfer", (d) => {
      const head = document.querySelector("[data-transfer-page]");
      if (leaving) return;
      if (head && String(d.transfer) === head.dataset.transferPage && d.state && d.state !== head.dataset.state) {
        window.location.reload();
      }
    });
    // A red packet's details page follows the grabs. It re-fetches itself in place rather than reloading, so
    // the socket stays open and no grab is missed; grabs that land during a fetch cause one more fetch.
    let fetching = false;
    let again = false;
    async function refreshPacketPage() {
      if (fetching) { again = true; return; }
      fetching = true;
      try {
        do {
          again = false;
          const fresh = await window.Realtime.freshCopy("main");
          if (fresh) document.querySelector("main").replaceWith(fresh);
        } while (again);
      } finally {
        fetching = false;
      }
    }
    window.Realtime.on("wallet.packet", (d) => {
      const page = document.querySelector("[data-packet-page]");
      if (page && String(d.packet) === page.dataset.packetPage) refreshPacketPage().catch(() => {}); // a fetch cut short by leaving the page is no error
    });
    window.Realtime.on("wallet.paid", (d) => {
      showBalance(d);
      window.Realtime.toast(fmt(gettext("Paid %(amount)s to %(to)s"), d), "success");
    });
    // A grab or an answer between this page's render and its socket's opening (or during a drop) was pushed to
    // nobody: each opening, the first too, catches up a packet still being opened and a transfer still waiting.
    window.Realtime.onConnect(() => {
      if (document.querySelector("[data-packet-page][data-state=open]")) refreshPacketPage().catch(() => {});
      const transfer = document.querySelector("[data-transfer-page][data-state=pending]");
      if (transfer) transferMoved(transfer).then((moved) => { if (moved && !leaving) window.location.reload(); }, () => {});
    });
  }

  async function transferMoved(head) {
    const fresh = await window.Realtime.freshCopy("[data-transfer-page]");
    return fresh !== null && fresh.dataset.state !== head.dataset.state;
  }

  // --- Red packet cards in chats --------------------------------------------------------------
  const checked = new Set();
  let pending = null;

  function markOpened(ids) {
    ids.forEach((id) => {
      document.querySelectorAll('a[data-packet="' + id + '"]').forEach((card) => {
        card.classList.add("opened");
        const status = card.querySelector("[data-rp-status]");
        // 已领取 for the person who opened it, whether or not the rest are gone (WeChat shows it so).
        if (status && card.dataset.packetState !== "expired") status.textContent = gettext("Opened");
      });
    });
  }

  function scanCards() {
    const ids = [];
    document.querySelectorAll("a[data-packet]").forEach((card) => {
      const id = card.dataset.packet;
      if (!card.dataset.checked) {
        card.dataset.checked = "1";
        if (!checked.has(id)) ids.push(id);
        else if (card.dataset.mine) markOpened([id]);
      }
    });
    if (!ids.length) return;
    ids.forEach((id) => checked.add(id));
    fetch(root() + "wallet/packets/opened/?ids=" + ids.join(","), { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : { opened: [] }))
      .then((d) => {
        (d.opened || []).forEach((id) => opened.add(String(id)));
        markOpened(Array.from(opened));
      })
      .catch(() => {});
  }
  const opened = new Set();

  function scheduleScan() {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      scanCards();
      markOpened(Array.from(opened));
    }, 50);
  }

  function modal() {
    let box = document.querySelector("[data-rp-modal]");
    if (box) return box;
    box = el("div", "rp-modal");
    box.dataset.rpModal = "";
    box.hidden = true;
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    box.addEventListener("click", (e) => {
      if (e.target === box) window.UI.dialog.close(box);
    });
    document.body.append(box);
    return box;
  }

  function showPacket(state) {
    const box = modal();
    box.replaceChildren();
    const sheet = el("div", "rp-sheet");
    const close = el("button", "rp-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", gettext("Close"));
    close.addEventListener("click", () => window.UI.dialog.close(box));
    const who = el("div", "rp-who");
    who.append(el("span", "avatar-initials", state.sender_initials), el("span", "", fmt(gettext("Red packet from %(sender)s"), state)));
    const greet = el("div", "rp-greet", state.note);
    greet.id = "rp-greet";
    box.setAttribute("aria-labelledby", "rp-greet");
    const msg = el("div", "rp-msg");
    sheet.append(close, who, greet, msg);
    if (state.exclusive) msg.textContent = fmt(gettext("Exclusive red packet for %(exclusive)s"), state);
    if (state.can_open) {
      const open = el("button", "rp-open", "開");
      open.type = "button";
      open.dataset.testid = "open-packet";
      open.setAttribute("aria-label", gettext("Open"));
      open.addEventListener("click", () => grab(state, open, msg));
      sheet.append(open);
    } else if (state.state === "expired") {
      msg.textContent = gettext("This red packet has expired.");
    } else if (state.state === "empty") {
      msg.textContent = gettext("Too late: all red packets have been taken.");
    }
    const link = el("a", "rp-link", gettext("View details"));
    link.href = state.url;
    sheet.append(link);
    box.append(sheet);
    window.UI.dialog.show(box, { focus: sheet.querySelector(".rp-open") || close });
  }

  function grab(state, button, msg) {
    button.disabled = true;
    button.classList.add("spin");
    fetch(state.url + "grab/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
    })
      .then((r) => r.json())
      .then((d) => {
        if (d.ok) {
          opened.add(String(state.packet));
          markOpened([state.packet]);
          window.location.href = d.url;
        } else {
          button.remove();
          msg.textContent = d.message || gettext("Something went wrong.");
        }
      })
      .catch(() => {
        button.disabled = false;
        button.classList.remove("spin");
        msg.textContent = gettext("Network error. Try again.");
      });
  }

  document.addEventListener("click", (e) => {
    const card = e.target.closest && e.target.closest("a[data-packet]");
    if (card) {
      e.preventDefault();
      fetch(root() + "wallet/packets/" + card.dataset.packet + "/state/", { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : Promise.reject(r)))
        .then((state) => {
          if (state.opens_details) window.location.href = state.url;
          else showPacket(state);
        })
        .catch(() => (window.location.href = card.href));
      return;
    }
    const print = e.target.closest && e.target.closest("[data-print]");
    if (print) window.print();
  });

  // --- The send form: "For" only for an exclusive packet, no quantity for it ------------------
  function packetForm() {
    const form = document.querySelector("[data-packet-form]");
    if (!form) return;
    const field = (name) => {
      const input = form.querySelector('[name="' + name + '"]');
      return input ? input.closest(".field") : null;
    };
    const update = () => {
      const kind = (form.querySelector('[name="kind"]:checked') || {}).value;
      const forField = field("exclusive_to");
      const countField = field("count");
      if (forField) forField.hidden = kind !== "exclusive";
      if (countField) countField.hidden = kind === "exclusive";
      // Total for a lucky packet, each share for a normal one: the form says which (data-label-<kind>).
      const amount = form.querySelector('[name="amount"]');
      const label = amount && amount.id && form.querySelector('label[for="' + amount.id + '"]');
      const text = kind && amount && amount.dataset["label" + kind.charAt(0).toUpperCase() + kind.slice(1)];
      if (label && text) label.textContent = text;
    };
    form.addEventListener("change", update);
    update();
  }

  function start() {
    onReady();
    packetForm();
    scanCards();
    new MutationObserver(scheduleScan).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
