/* People Nearby's location form: the phone's position (Geolocation API, asked only on a tap), or a spot on
 * a demo city's map (drawn inline: no map tiles, works offline) moved by tapping the map or the sliders.
 * The position goes to the server once, in the form; it is rounded to a 500 m square there and never sent back. */
(function () {
  "use strict";
  const form = document.querySelector("[data-nearby-form]");
  if (!form) return;
  const gettext = window.gettext || ((s) => s);
  const x = form.querySelector("[data-x]");
  const y = form.querySelector("[data-y]");
  const spot = form.querySelector("[data-spot]");
  const map = form.querySelector("[data-map]");
  const status = form.querySelector("[data-device-status]");

  function moveSpot() {
    spot.setAttribute("cx", x.value);
    spot.setAttribute("cy", y.value);
  }
  x.addEventListener("input", moveSpot);
  y.addEventListener("input", moveSpot);
  map.addEventListener("click", (e) => {
    const box = map.getBoundingClientRect();
    x.value = Math.round(((e.clientX - box.left) / box.width) * 100);
    y.value = Math.round(((e.clientY - box.top) / box.height) * 100);
    moveSpot();
  });

  const useDevice = form.querySelector("[data-use-device]");
  if (!navigator.geolocation) return;
  useDevice.hidden = false;
  useDevice.addEventListener("click", () => {
    status.textContent = gettext("Finding your position…");
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        form.querySelector("[data-source]").value = "device";
        form.querySelector("[data-lat]").value = pos.coords.latitude;
        form.querySelector("[data-lon]").value = pos.coords.longitude;
        form.submit();
      },
      () => {
        status.textContent = gettext("Your position isn't available. Pick a demo location instead.");
      },
      { maximumAge: 60000, timeout: 15000 },
    );
  });
})();
