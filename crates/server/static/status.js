// Patient status page: refresh the expected time and what is happening,
// without reloading, every 15 seconds. Text only (textContent), never HTML.
// When an answer to one of the patient's questions arrives, the page reloads
// to show it (not while they are typing).
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
      // An answer arrived (or a question changed): show it, unless the
      // patient is in the middle of typing.
      if (typeof s.concerns === "string" && s.concerns !== card.getAttribute("data-concerns")) {
        var typing = Array.prototype.some.call(document.querySelectorAll("textarea"), function (t) {
          return t.value.trim() !== "" || t === document.activeElement;
        });
        if (!typing) {
          window.location.replace(window.location.pathname + "?lang=" + (card.getAttribute("data-lang") || "en"));
          return;
        }
      }
      card.setAttribute("data-updated", String(Date.now()));
    }).catch(function () {});
  }
  window.setInterval(refresh, parseInt(card.getAttribute("data-refresh-ms"), 10) || 15000);
})();
