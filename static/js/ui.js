/* Small page behaviours shared by every page (no inline scripts: CSP), and UI.dialog for sheets and modals. */
(function () {
  "use strict";

  // --- Dialogs: while one is open, Tab stays inside it and Escape closes it; focus goes back to the opener.
  const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select, textarea, [tabindex]:not([tabindex="-1"])';
  const open = []; // stack of {box, opener, onClose}

  function focusables(box) {
    return [...box.querySelectorAll(FOCUSABLE)].filter((n) => !n.hidden && n.getClientRects().length);
  }

  function show(box, { onClose, focus } = {}) {
    const known = open.find((d) => d.box === box);
    if (known) { if (onClose) known.onClose = onClose; }
    else open.push({ box, opener: document.activeElement, onClose });
    box.hidden = false;
    if (!box.hasAttribute("tabindex")) box.tabIndex = -1;
    const target = focus || focusables(box)[0] || box;
    target.focus();
  }

  function close(box) {
    const i = open.findIndex((d) => d.box === box);
    box.hidden = true;
    if (i < 0) return;
    const [d] = open.splice(i, 1);
    if (d.onClose) d.onClose();
    if (d.opener && d.opener.isConnected && d.opener.focus) d.opener.focus();
  }

  document.addEventListener("keydown", (e) => {
    const top = open[open.length - 1];
    if (!top || top.box.hidden) return;
    if (e.key === "Escape") { e.preventDefault(); close(top.box); return; }
    if (e.key !== "Tab") return;
    const items = focusables(top.box);
    if (!items.length) { e.preventDefault(); top.box.focus(); return; }
    const first = items[0];
    const last = items[items.length - 1];
    if (!top.box.contains(document.activeElement)) { e.preventDefault(); first.focus(); }
    else if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  });

  window.UI = { dialog: { show, close } };

  document.addEventListener("DOMContentLoaded", () => {
    // Server-rendered messages fade away on their own.
    document.querySelectorAll(".toasts .toast").forEach((el) => setTimeout(() => el.remove(), 4000));
    // Ask before destructive actions.
    document.querySelectorAll("form[data-confirm]").forEach((form) => {
      form.addEventListener("submit", (e) => { if (!confirm(form.dataset.confirm)) e.preventDefault(); });
    });
    // Pick a file or a filter, and it submits (as a phone app does).
    document.querySelectorAll("[data-autosubmit]").forEach((input) => {
      input.addEventListener("change", () => { if (!input.files || input.files.length) input.form.requestSubmit(); });
    });
    // Demo logins: one tap fills the sample person's username and password.
    document.querySelectorAll("[data-fill-login]").forEach((button) => {
      button.addEventListener("click", () => {
        const form = button.closest("form");
        form.querySelector("[name=username]").value = button.dataset.fillLogin;
        form.querySelector("[name=password]").value = button.dataset.password;
      });
    });
  });
})();
