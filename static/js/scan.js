/* Scan one of the app's QR codes: BarcodeDetector where the browser has it, else the vendored jsQR;
 * from the camera, from a photo, or from a pasted link. Only links to this site are followed. */
(function () {
  "use strict";
  const status = document.querySelector("[data-scan-status]");
  const view = document.querySelector("[data-scan-view]");
  const video = document.querySelector("[data-scan-video]");
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });

  function say(text) { status.textContent = text; }

  function open(text) {
    let target;
    try { target = new URL(text, location.href); } catch (e) { target = null; }
    if (!target || target.origin !== location.origin) {
      say(gettext("That code is not from this app."));
      return false;
    }
    say(gettext("Opening…"));
    location.assign(target.pathname + target.search);
    return true;
  }

  function decode(source, width, height) {
    canvas.width = width; canvas.height = height;
    ctx.drawImage(source, 0, 0, width, height);
    const pixels = ctx.getImageData(0, 0, width, height);
    const found = window.jsQR && jsQR(pixels.data, width, height, { inversionAttempts: "attemptBoth" });
    return found ? found.data : null;
  }

  async function fromCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(gettext("This browser can't use the camera here. Choose a photo or paste the link instead."));
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream;
      view.hidden = false;
      await video.play();
      say(gettext("Looking for a code…"));
      const tick = () => {
        if (video.videoWidth) {
          const text = decode(video, video.videoWidth, video.videoHeight);
          if (text && open(text)) { stream.getTracks().forEach((t) => t.stop()); return; }
        }
        requestAnimationFrame(tick);
      };
      tick();
    } catch (e) {
      say(gettext("The camera is not available. Choose a photo or paste the link instead."));
    }
  }

  function fromFile(file) {
    const img = new Image();
    img.onload = () => {
      const scale = Math.min(1, 1200 / Math.max(img.width, img.height));
      const text = decode(img, Math.round(img.width * scale), Math.round(img.height * scale));
      URL.revokeObjectURL(img.src);
      if (text) open(text);
      else say(gettext("No QR code found in that picture."));
    };
    img.src = URL.createObjectURL(file);
  }

  document.querySelector("[data-scan-camera]").addEventListener("click", fromCamera);
  document.querySelector("[data-scan-file]").addEventListener("change", (e) => { if (e.target.files[0]) fromFile(e.target.files[0]); });
  document.querySelector("[data-scan-link]").addEventListener("submit", (e) => {
    e.preventDefault();
    open(e.target.querySelector("[name=url]").value.trim());
  });
})();
