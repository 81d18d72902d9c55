/* Small page behaviours shared by every page (no inline scripts: CSP). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
    // Server-rendered messages fade away on their own.
    document.querySelectorAll(".toasts .toast").forEach((el) => setTimeout(() => el.remove(), 4000));
    // Ask before destructive actions.
    document.querySelectorAll("form[data-confirm]").forEach((form) => {
      form.addEventListener("submit", (e) => { if (!confirm(form.dataset.confirm)) e.preventDefault(); });
    });
    // Pick a file, and it uploads (as a phone app does).
    document.querySelectorAll("[data-autosubmit]").forEach((input) => {
      input.addEventListener("change", () => { if (input.files.length) input.form.requestSubmit(); });
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
