// Reading a thread with script: votes without leaving the page (the reader's
// own votes are remembered in this browser and shown as pressed buttons),
// "More comments" and "more replies" loaded in place, and in the embed the
// reader's sort order remembered. Without it, the same buttons and links
// are plain forms and links.
(function () {
  "use strict";
  var embed = document.body.classList.contains("embed");
  // Words in the page's language, from the catalogs (data-parley-text).
  var words = {};
  var host = document.querySelector("[data-parley-text]");
  try { words = JSON.parse(host.getAttribute("data-parley-text")); } catch (e) { /* English below */ }
  var store = {
    get: function (k) {
      try { return JSON.parse(localStorage.getItem("parley:" + k)); } catch (e) { return null; }
    },
    set: function (k, v) {
      try { localStorage.setItem("parley:" + k, JSON.stringify(v)); } catch (e) { /* storage off */ }
    }
  };

  // Votes: the server renders the same list for everyone; which buttons
  // this reader pressed comes from their own storage.
  var markVotes = function (root) {
    var mine = store.get("votes") || {};
    root.querySelectorAll("form.vote[data-vote]").forEach(function (form) {
      var v = mine[form.getAttribute("data-vote")] || 0;
      form.querySelectorAll("button[name=value]").forEach(function (b) {
        b.setAttribute("aria-pressed", String(Number(b.value) === v));
      });
    });
  };
  markVotes(document);

  var say = function (form, text) {
    var note = form.querySelector(".vote-note");
    if (!note) {
      note = document.createElement("span");
      note.className = "vote-note";
      note.setAttribute("role", "status");
      form.appendChild(note);
    }
    note.textContent = text;
  };

  document.addEventListener("submit", function (e) {
    var form = e.target.closest && e.target.closest("form.vote[data-vote]");
    var button = e.submitter;
    if (!form || !button || !window.fetch) return;
    e.preventDefault();
    var id = form.getAttribute("data-vote"), value = Number(button.value);
    var body = { value: value }, key = store.get("key");
    if (embed && key) body.commenter_key = key;
    form.setAttribute("aria-busy", "true");
    fetch("/api/v1/comments/" + encodeURIComponent(id) + "/vote", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
    }).then(function (r) {
      form.removeAttribute("aria-busy");
      if (!r.ok) {
        var code = r.data && r.data.code;
        say(form, words["err_" + code] || words.vote_failed || (r.data && r.data.error) || "Your vote could not be counted.");
        return;
      }
      form.querySelector("[data-score]").textContent = r.data.score;
      var mine = store.get("votes") || {};
      mine[id] = value;
      store.set("votes", mine);
      markVotes(form.parentNode);
      say(form, "");
    }).catch(function () {
      form.removeAttribute("aria-busy");
      form.submit(); // the plain form still works
    });
  });

  // Loads a fragment of the thread; calls done with its parsed nodes.
  var load = function (url, done, fail) {
    fetch(url, { headers: { "Accept": "text/html" } }).then(function (resp) {
      if (!resp.ok) throw new Error(resp.status);
      return resp.text();
    }).then(function (html) {
      var t = document.createElement("template");
      t.innerHTML = html;
      done(t.content);
    }).catch(fail);
  };

  var list = document.getElementById("comment-list");

  // A link to #comment-N that is not on this page (a new comment past the
  // first page): open the page that holds it.
  var wanted = /^#comment-(\d+)$/.exec(location.hash);
  if (wanted && !document.getElementById(wanted[0].slice(1)) && !/[?&]comment=/.test(location.search)) {
    var there = new URL(location.href);
    there.searchParams.set("comment", wanted[1]);
    location.replace(there.toString());
    return;
  }

  // Puts a page's comments at the end of the list (or in place of it) and
  // its "More comments" link in place of the old one.
  var showPage = function (frag, replace) {
    var page = frag.querySelector(".comments"), more = frag.querySelector(".more-comments");
    var old = document.querySelector(".more-comments"), first = null;
    if (replace) list.textContent = "";
    if (page) {
      first = page.firstElementChild;
      while (page.firstChild) list.appendChild(page.firstChild);
    }
    if (old) old.remove();
    if (more) list.parentNode.insertBefore(more, list.nextSibling);
    markVotes(list);
    return first;
  };

  // Set once the reader loads more of the thread, so that a swap to their
  // sort order still on its way (below) does not throw that away.
  var extended = false;

  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest(".more-comments a[data-fragment], .more-replies a[data-fragment]");
    if (!a || !list || !window.fetch) return;
    e.preventDefault();
    extended = true;
    a.setAttribute("aria-busy", "true");
    var fail = function () { location.href = a.href; };
    if (a.closest(".more-comments")) {
      load(a.getAttribute("data-fragment"), function (frag) {
        var first = showPage(frag, false);
        if (first) {
          first.setAttribute("tabindex", "-1");
          first.focus();
        }
      }, fail);
      return;
    }
    var rootID = "comment-" + a.getAttribute("data-root");
    load(a.getAttribute("data-fragment"), function (frag) {
      var fresh = frag.getElementById ? frag.getElementById(rootID) : frag.querySelector("#" + rootID);
      var here = document.getElementById(rootID);
      if (!fresh || !here) return fail();
      var firstNew = fresh.querySelectorAll(":scope > .replies > .comment")[here.querySelectorAll(":scope > .replies > .comment").length];
      here.replaceWith(fresh);
      markVotes(fresh);
      if (firstNew) {
        firstNew.setAttribute("tabindex", "-1");
        firstNew.focus();
      }
    }, fail);
  });

  // Sort order: Parley's own pages remember it in a cookie; the embed keeps
  // it here and, on a plain visit, swaps in the reader's order in place.
  var sorts = document.querySelector(".thread-sort");
  if (!sorts) return;
  sorts.addEventListener("click", function (e) {
    var a = e.target.closest("a[data-sort]");
    if (a) store.set("sort", a.getAttribute("data-sort"));
  });
  var q = new URLSearchParams(location.search), want = store.get("sort");
  var link = want && sorts.querySelector('a[data-sort="' + want + '"]');
  if (!embed || !list || !link || link.getAttribute("aria-current") || !window.fetch ||
      q.has("sort") || q.has("cursor") || q.has("comment") || q.has("mine") || q.has("pending")) return;
  var url = new URL(link.href);
  url.hash = "";
  url.searchParams.set("fragment", "1");
  load(url.toString(), function (frag) {
    if (extended) return; // the reader went on reading in the server's order
    showPage(frag, true);
    sorts.querySelectorAll("a[data-sort]").forEach(function (s) {
      if (s === link) s.setAttribute("aria-current", "true"); else s.removeAttribute("aria-current");
    });
  }, function () { /* keep the order the server chose */ });
})();
