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
  // A comment's "Flag" link opens one flag form under the comment, a copy
  // of the page's template, instead of loading the page with ?flag=ID.
  var flagTemplate = document.getElementById("flag-template");
  if (flagTemplate) {
    var closeFlags = function () {
      document.querySelectorAll("form.flag-form").forEach(function (f) { f.remove(); });
      document.querySelectorAll("a.flag[aria-expanded=true]").forEach(function (l) {
        l.setAttribute("aria-expanded", "false");
      });
    };
    document.addEventListener("click", function (e) {
      var link = e.target.closest && e.target.closest("a.flag[data-flag]");
      if (link) {
        e.preventDefault();
        var open = link.getAttribute("aria-expanded") === "true";
        closeFlags();
        if (open) {
          return;
        }
        var flag = flagTemplate.content.querySelector("form").cloneNode(true);
        flag.action = link.getAttribute("data-flag");
        link.closest(".comment-actions").after(flag);
        link.setAttribute("aria-expanded", "true");
        flag.querySelector("select").focus();
        return;
      }
      var cancel = e.target.closest && e.target.closest(".comment a.cancel-flag");
      if (cancel) {
        e.preventDefault();
        var back = cancel.closest(".comment").querySelector("a.flag");
        closeFlags();
        if (back) {
          back.focus();
        }
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
