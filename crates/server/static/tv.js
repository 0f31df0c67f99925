// Lobby TV: refresh the list when anything changes, and every few seconds.
(function () {
  "use strict";
  var table = document.getElementById("tv");
  if (!table) return;
  var rows = document.getElementById("tv-rows");
  var url = "/tv/rows?location=" + encodeURIComponent(table.getAttribute("data-location") || "main") +
    "&show=" + encodeURIComponent(table.getAttribute("data-show") || "names");
  var refreshMs = parseInt(table.getAttribute("data-refresh-ms"), 10) || 15000;
  function refresh() {
    fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (r.status === 401) { window.location.href = "/login?next=/tv"; return null; }
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html !== null && html !== undefined) {
        rows.innerHTML = html;
        table.setAttribute("data-updated", String(Date.now()));
      }
    }).catch(function () {});
  }
  if (window.EventSource) {
    var source = new EventSource("/api/v1/events?location=" + encodeURIComponent(table.getAttribute("data-location") || "main"));
    ["arrived", "acknowledged", "transitioned"].forEach(function (name) {
      source.addEventListener(name, refresh);
    });
  }
  window.setInterval(refresh, refreshMs);
})();
