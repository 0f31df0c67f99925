// Reply screens (a visit's questions, a complaint): the tone coach reads the
// reply while it is being written, so staff see a flag before they press
// send. The server checks again when the reply is sent; this is a preview.
// Text only (textContent), never HTML.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-tone-check]");
  Array.prototype.forEach.call(forms, function (form) {
    var field = form.querySelector("textarea");
    var csrf = form.querySelector("input[name=csrf]");
    if (!field || !csrf) return;
    var box = document.createElement("div");
    box.className = "tone-live muted";
    box.setAttribute("aria-live", "polite");
    field.parentNode.insertBefore(box, field.nextSibling);
    var timer = null;
    var last = "";
    function show(result) {
      box.textContent = "";
      if (!result) return;
      if (result.verdict === "ok") {
        box.className = "tone-live muted";
        box.textContent = "Tone coach: reads fine so far.";
        return;
      }
      box.className = "tone-live tone-flags";
      var head = document.createElement("p");
      head.textContent = "Tone coach, while you write:";
      box.appendChild(head);
      var list = document.createElement("ul");
      result.flags.forEach(function (f) {
        var item = document.createElement("li");
        var quote = Array.from(field.value).slice(f.start, f.end).join("");
        item.textContent = f.kind.replace("_", " ") + ": \u201c" + quote + "\u201d \u2014 " + f.why + " Try: " + f.suggestion;
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    function check() {
      var text = field.value;
      if (text.trim() === "" || text === last) { if (text.trim() === "") show(null); return; }
      last = text;
      fetch("/api/v1/tone", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf.value },
        body: JSON.stringify({ text: text, direction: "reply" })
      }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (result) { if (field.value === text) show(result); })
        .catch(function () {});
    }
    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, 600);
    });
  });
})();
