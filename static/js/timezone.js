/* The viewer's time zone: the browser's, kept in the "tz" cookie so the server renders every time in it
   (apps/core/timezones.py), and WeChat's way of writing a time, shared by every script that shows one. */
(function () {
  "use strict";
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const current = (document.cookie.match(/(?:^|; )tz=([^;]*)/) || [])[1];
  // IANA names ("America/New_York") are safe in a cookie as they are; the server reads them verbatim.
  if (zone && /^[A-Za-z0-9_+\-\/]+$/.test(zone) && current !== zone) {
    // From the next page on (the login and sign-up pages set it before any page with times).
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
  }

  const lang = document.documentElement.lang || "en";
  const DAY = 24 * 60 * 60 * 1000;

  function midnight(d) {
    return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  }

  /* 14:05 today; "Yesterday 14:05"; "Monday 14:05" within the week; else the date and time. */
  window.wechatTime = function (iso, now) {
    const d = new Date(iso);
    const today = midnight(now || new Date());
    const hm = d.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    const days = Math.round((today - midnight(d)) / DAY);
    if (days <= 0) return hm;
    if (days === 1) return gettext("Yesterday") + " " + hm;
    if (days < 7) return d.toLocaleDateString(lang, { weekday: "long" }) + " " + hm;
    return d.toLocaleDateString(lang, { year: "numeric", month: "numeric", day: "numeric" }) + " " + hm;
  };
})();
