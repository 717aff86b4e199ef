// Comment preview in place: the Preview button asks the server to render
// the comment exactly as it would be posted, and shows it above the field
// without leaving the page. Without this script the button posts the form
// and the server shows the same preview on a new page.
(function () {
  "use strict";
  var form = document.getElementById("comment-form");
  if (!form || form.tagName !== "FORM" || !window.fetch) return;
  var button = form.querySelector("button[name=preview]");
  var box = document.getElementById("comment-preview");
  var status = document.getElementById("preview-status");
  var body = form.querySelector("textarea[name=body]");
  if (!button || !box || !status || !body) return;
  var out = box.querySelector(".comment-text");
  var busy = false;
  // The messages come from the page, in the reader's language.

  var say = function (text) {
    // Clearing first makes a repeated message be announced again.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  };

  button.addEventListener("click", function (e) {
    e.preventDefault();
    if (busy) return;
    if (!body.value.trim()) {
      box.hidden = true;
      out.textContent = "";
      say(status.getAttribute("data-empty"));
      body.focus();
      return;
    }
    busy = true;
    button.setAttribute("aria-busy", "true");
    fetch("/api/v1/preview", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ body: body.value }),
      credentials: "omit"
    }).then(function (resp) {
      return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
    }).then(function (r) {
      if (!r.ok) {
        say((r.data && r.data.error) || status.getAttribute("data-failed"));
        return;
      }
      // The HTML comes from the server's sanitizer, the same one that
      // cleans every posted comment.
      out.innerHTML = r.data.html;
      box.hidden = false;
      say(status.getAttribute("data-shown"));
      if (box.scrollIntoView) box.scrollIntoView({ block: "nearest" });
    }).catch(function () {
      say(status.getAttribute("data-failed"));
    }).then(function () {
      busy = false;
      button.removeAttribute("aria-busy");
    });
  });
})();
