/* Phones side by side: the frames scaled to fit the screen, and a phone switched as soon as another person is
   picked (its form targets its own frame; the page's address keeps the choice for a reload). */
(function () {
  "use strict";
  const root = document.querySelector("[data-phones]");
  if (!root) return;
  const PHONE_W = 390;
  const PHONE_H = 760;

  function fit() {
    const row = root.querySelector(".phones-row");
    const phones = root.querySelectorAll(".phones-item").length || 1;
    const pick = root.querySelector(".phones-pick");
    const gaps = 16 * (phones - 1) + 40;
    const height = row.getBoundingClientRect().height - (pick ? pick.offsetHeight + 12 : 0);
    const scale = Math.min((window.innerWidth - gaps) / (phones * PHONE_W), height / PHONE_H, 1.2);
    if (scale > 0.3) root.style.setProperty("--scale", scale.toFixed(3));
  }

  root.querySelectorAll("[data-pick]").forEach((form) => {
    const select = form.querySelector("select");
    form.querySelector("[data-open]").hidden = true;
    select.addEventListener("change", () => {
      form.submit();
      const url = new URL(location.href);
      url.searchParams.set("p" + form.dataset.pick, select.value);
      history.replaceState(null, "", url);
    });
  });
  window.addEventListener("resize", fit);
  fit();
})();
