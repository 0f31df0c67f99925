// Live lobby board: listens to the server's event stream, refreshes the rows
// (rendered and escaped by the server) when anything changes, and raises an
// alert for patients whose acknowledgement is overdue or escalated. Without
// this script the board still works: every button is a plain form.
(function () {
  "use strict";
  var table = document.getElementById("board");
  if (!table) return;
  var rows = document.getElementById("board-rows");
  var alerts = document.getElementById("alerts");
  var location = table.getAttribute("data-location") || "main";
  var refreshMs = parseInt(table.getAttribute("data-refresh-ms"), 10) || 15000;
  var soundToggle = document.getElementById("sound-toggle");
  var pending = false;

  if (soundToggle) {
    soundToggle.checked = window.localStorage.getItem("frontdesk.sound") === "on";
    soundToggle.addEventListener("change", function () {
      window.localStorage.setItem("frontdesk.sound", soundToggle.checked ? "on" : "off");
    });
  }

  function refresh() {
    if (pending) return;
    pending = true;
    fetch("/board/rows?location=" + encodeURIComponent(location), {
      credentials: "same-origin",
      headers: { "X-Frontdesk-Background": "1" }
    }).then(function (r) {
      if (r.status === 401) { window.location.href = "/login?next=/board"; return null; }
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html !== null && html !== undefined) {
        rows.innerHTML = html;
        var now = rows.querySelector("[data-now]");
        var clock = document.getElementById("clock-now");
        if (now && clock) clock.textContent = now.getAttribute("data-now");
        table.setAttribute("data-updated", String(Date.now()));
      }
    }).catch(function () {}).then(function () { pending = false; });
  }

  function beep() {
    if (!soundToggle || !soundToggle.checked) return;
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      var osc = ctx.createOscillator();
      osc.frequency.value = 880;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.25);
    } catch (e) { /* sound is a nicety */ }
  }

  function alertFor(kind, data, quiet) {
    var box = document.createElement("div");
    box.className = "alert" + (kind === "ack_escalated" || kind === "upset" || kind === "complaint_escalated" ? " escalated" : "");
    box.setAttribute("data-visit", String(data.visit_id));
    var text = document.createElement("span");
    var who = data.name || ("Visit " + data.visit_id);
    text.textContent = kind === "promise_due_soon"
      ? "Reminder" + (data.owner ? " for " + data.owner : "") + ": a " + String(data.kind || "promise").replace("_", " ") +
        " promise" + (data.visit_id ? " (visit " + data.visit_id + ")" : "") + (data.overdue ? " is overdue (was due " : " is due at ") +
        data.due_local + (data.overdue ? ")." : ". See Promises.")
      : kind === "complaint_escalated"
      ? "Complaint " + data.complaint_id + ": a clock ran out; it is now with the " + data.to + "s. Open Complaints to work it."
      : kind === "complaint_received"
      ? "New complaint " + data.complaint_id + " (" + data.severity + "). Open Complaints to acknowledge it."
      : kind === "upset"
      ? "Upset: " + who + " sent an upset message. Please go and speak to them; a manager has been told."
      : kind === "running_late"
      ? "Running late: " + who + " (" + (data.scheduled_local || "booked") + ") says about " + data.minutes +
        " minutes late, expected by " + (data.expected_local || "?") + "."
      : kind === "cant_come"
      ? "Can't come: " + who + " cancelled their " + (data.scheduled_local || "") +
        " appointment on their arrival link. Offer them another time."
      : kind === "kiosk_busy"
      ? "Kiosk " + (data.kiosk || "") + " is slowing a burst of check-ins down. Please look at the lobby; patients may need a hand."
      : kind === "ack_escalated"
      ? "Escalated: " + who + " still has not been acknowledged. Managers have been told."
      : "Overdue: " + who + " is waiting for an acknowledgement.";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Dismiss";
    close.addEventListener("click", function () { box.remove(); });
    box.appendChild(text);
    box.appendChild(close);
    alerts.insertBefore(box, alerts.firstChild);
    while (alerts.children.length > 6) alerts.removeChild(alerts.lastChild);
    if (!quiet) beep();
  }

  function clearAlerts(visitId) {
    var stale = alerts.querySelectorAll('[data-visit="' + String(visitId) + '"]');
    for (var i = 0; i < stale.length; i++) stale[i].remove();
  }

  // A board opened (or reloaded) late still shows who needs someone now:
  // escalated and overdue acknowledgements and upset patients, from the rows.
  Array.prototype.forEach.call(rows.querySelectorAll("tr[data-visit]"), function (row) {
    var data = { visit_id: row.getAttribute("data-visit"), name: row.getAttribute("data-name") };
    var status = row.getAttribute("data-status");
    if (status === "escalated") alertFor("ack_escalated", data, true);
    else if (status === "overdue") alertFor("ack_overdue", data, true);
    if (row.getAttribute("data-upset") === "1") alertFor("upset", data, true);
  });

  if (window.EventSource) {
    // Only this location: a board does not refresh for other lobbies.
    var source = new EventSource("/api/v1/events?location=" + encodeURIComponent(location));
    // Someone dealt with the patient: their overdue alerts can go.
    // (A re-quote is the system's doing, not staff dealing with the patient.)
    var clears = ["acknowledged", "transitioned"];
    ["arrived", "acknowledged", "transitioned", "promise_at_risk", "concern_raised", "concern_answered", "concern_confirmed", "concern_reopened", "patient_update"].forEach(function (name) {
      source.addEventListener(name, function (e) {
        try { var d = JSON.parse(e.data); if (clears.indexOf(name) >= 0) clearAlerts(d.visit_id); } catch (x) {}
        refresh();
      });
    });
    ["ack_overdue", "ack_escalated", "upset", "complaint_received", "complaint_escalated", "promise_due_soon", "kiosk_busy", "running_late", "cant_come"].forEach(function (name) {
      source.addEventListener(name, function (e) {
        var data = {};
        try { data = JSON.parse(e.data); } catch (x) {}
        if (data.location && data.location !== location) return;
        alertFor(name, data);
        refresh();
      });
    });
    source.addEventListener("ready", function () { table.setAttribute("data-live", "yes"); });
  }
  window.setInterval(refresh, refreshMs);
})();
