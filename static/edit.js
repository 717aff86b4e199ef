// Edit and delete buttons on the reader's own comments, on Parley's pages
// and in the embed. The thread's HTML is the same for every reader; this
// script finds the reader's comments by the edit tokens this browser keeps
// (localStorage "parley:edit", filled by frame.js from the fragment after
// posting in the embed, and here from the blog's edit cookies). Without
// it, the "Edit or delete it" link above the form leads to a plain page.
(function () {
  "use strict";
  var KEY = "parley:edit", WEEK = 7 * 864e5;
  // Words in the page's language, from the catalogs (data-parley-text);
  // say falls back to the key's English only if the page has none.
  var words = {};
  var host = document.querySelector("[data-parley-text]");
  try { words = JSON.parse(host.getAttribute("data-parley-text")); } catch (e) { /* English below */ }
  var say = function (key, english) { return words[key] || english; };
  var load = function () {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  };
  var save = function (all) {
    try { localStorage.setItem(KEY, JSON.stringify(all)); } catch (e) { /* storage off */ }
  };
  var tokens = load();
  // The blog's no-script cookie holds the same token: keep it here too.
  document.cookie.split(";").forEach(function (pair) {
    var m = /^\s*parley_edit_(\d+)=(.+)$/.exec(pair);
    if (m && (!tokens[m[1]] || tokens[m[1]].token !== m[2])) tokens[m[1]] = { token: m[2], at: Date.now() };
  });
  Object.keys(tokens).forEach(function (id) { if (!(tokens[id].at > Date.now() - WEEK)) delete tokens[id]; });
  save(tokens);

  var api = function (method, id, body) {
    var opts = { method: method, headers: { "X-Edit-Token": tokens[id].token } };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch("/api/v1/comments/" + id + (method === "GET" ? "/source" : ""), opts).then(function (r) {
      if (r.status === 204) return {};
      return r.json().then(function (data) {
        if (!r.ok) {
          var err = new Error(say("err_" + data.code, data.error || say("error", "Something went wrong.")));
          err.status = r.status;
          throw err;
        }
        return data;
      });
    });
  };
  var forget = function (id) {
    delete tokens[id];
    save(tokens);
  };
  var el = function (tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text) n.textContent = text;
    return n;
  };

  var setUp = function (article, id, until) {
    var actions = article.querySelector(":scope > .comment-actions");
    var text = article.querySelector(":scope > .comment-text");
    if (!actions || !text) return;
    var box = el("span", "own-actions");
    var edit = el("button", "link", say("edit", "Edit")), del = el("button", "link", say("delete", "Delete"));
    edit.type = del.type = "button";
    box.appendChild(edit);
    box.appendChild(del);
    actions.insertBefore(box, actions.firstChild);
    var status = el("p", "edit-status");
    status.setAttribute("role", "status");
    var fail = function (err) {
      status.textContent = err.message;
      if (!article.contains(status)) article.insertBefore(status, actions);
      if (err.status === 403) {
        forget(id);
        box.remove();
      }
    };
    var timer = setTimeout(function () { box.remove(); }, Math.max(0, until - Date.now()));

    edit.addEventListener("click", function () {
      api("GET", id).then(function (src) {
        var form = el("form", "edit-inline");
        var label = el("label", "visually-hidden", say("edit_label", "Edit your comment"));
        var area = el("textarea");
        area.id = label.htmlFor = "edit-" + id;
        area.rows = 6;
        area.maxLength = 10000;
        area.value = src.body;
        var saveBtn = el("button", "button small", say("save", "Save")), cancel = el("button", "link", say("cancel", "Cancel"));
        cancel.type = "button";
        form.append(label, area, saveBtn, document.createTextNode(" "), cancel);
        text.hidden = true;
        box.hidden = true;
        article.insertBefore(form, actions);
        area.focus();
        var close = function () {
          form.remove();
          text.hidden = false;
          box.hidden = false;
          edit.focus();
        };
        cancel.addEventListener("click", close);
        form.addEventListener("submit", function (e) {
          e.preventDefault();
          saveBtn.disabled = true;
          api("PATCH", id, { body: area.value }).then(function (res) {
            close();
            if (res.status === "approved") {
              text.innerHTML = res.comment.html; // sanitized by the server
              var meta = article.querySelector(":scope > .comment-meta");
              if (meta && !meta.querySelector(".edited")) meta.appendChild(el("span", "edited", " · " + say("edited_now", "edited just now")));
              status.remove();
            } else {
              text.hidden = true;
              status.textContent = say("edit_pending", "Your edit will appear once a moderator approves it.");
              article.insertBefore(status, actions);
            }
          }, function (err) {
            saveBtn.disabled = false;
            fail(err);
          });
        });
      }, fail);
    });

    del.addEventListener("click", function () {
      if (!window.confirm(say("confirm_delete", "Delete your comment? This cannot be undone."))) return;
      api("DELETE", id).then(function () {
        clearTimeout(timer);
        forget(id);
        document.cookie = "parley_edit_" + id + "=; max-age=0; path=" + location.pathname;
        var replies = article.querySelector(":scope > .replies");
        if (replies) {
          article.classList.add("removed");
          Array.prototype.forEach.call(article.children, function (c) { if (c !== replies) c.remove(); });
          article.insertBefore(el("p", "removed-note", say("removed", "This comment was removed.")), replies);
        } else {
          article.remove();
        }
      }, fail);
    });
  };

  Object.keys(tokens).forEach(function (id) {
    var article = document.getElementById("comment-" + id);
    if (!article || article.classList.contains("removed") || article.classList.contains("pending")) return;
    // Ask once for the window's end; a refusal means the token is spent.
    api("GET", id).then(function (src) {
      var until = Date.parse(src.editable_until);
      if (until > Date.now()) setUp(article, id, until);
    }, function (err) {
      if (err.status === 403 || err.status === 404) forget(id);
    });
  });
})();
