// Progressive enhancement for Parley's pages; everything works without it.
(function () {
  "use strict";
  var form = document.getElementById("comment-form");
  if (form && form.tagName === "FORM") {
    var home = form.parentNode, homeNext = form.nextSibling;
    var parent = form.querySelector("[name=parent_id]");
    var line = form.querySelector(".replying-to");
    var who = form.querySelector(".reply-author");
    var body = form.querySelector("textarea");
    var setReply = function (id, author, comment) {
      parent.value = id || "";
      who.textContent = author || "";
      line.hidden = !id;
      if (comment) {
        var replies = comment.querySelector(":scope > .replies");
        comment.insertBefore(form, replies);
      } else {
        home.insertBefore(form, homeNext);
      }
    };
    document.addEventListener("click", function (e) {
      var link = e.target.closest && e.target.closest("a.reply[data-reply]");
      if (link) {
        e.preventDefault();
        setReply(link.getAttribute("data-reply"), link.getAttribute("data-author"), link.closest(".comment"));
        body.focus();
        return;
      }
      if (e.target.closest && e.target.closest("a.cancel-reply")) {
        e.preventDefault();
        setReply("", "", null);
        body.focus();
      }
    });
  }
  var all = document.querySelector("[data-select-all]");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input.pick").forEach(function (box) { box.checked = all.checked; });
    });
  }
})();
