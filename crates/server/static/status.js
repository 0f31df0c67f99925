// Patient status page: refresh the expected time and what is happening,
// without reloading, every 15 seconds. Text only (textContent), never HTML.
(function () {
  "use strict";
  var card = document.getElementById("status");
  if (!card) return;
  var url = card.getAttribute("data-refresh");
  function refresh() {
    fetch(url, { credentials: "omit", cache: "no-store" }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (s) {
      if (!s) return;
      document.getElementById("headline").textContent = s.headline;
      document.getElementById("detail").textContent = s.detail;
      card.setAttribute("data-updated", String(Date.now()));
    }).catch(function () {});
  }
  window.setInterval(refresh, parseInt(card.getAttribute("data-refresh-ms"), 10) || 15000);
})();
