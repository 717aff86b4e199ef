// Keyboard-first moderation queue, loaded on admin pages only. Every action
// is also a plain form that works without this script; the script only
// saves the page reload, moves focus and announces what happened.
//   j/k move · a approve · r remove · s spam · b ban author · x select ·
//   u undo the last action made here · ? the list of keys · Esc closes it
(function () {
  "use strict";
  var desk = document.querySelector("[data-queue]");
  if (!desk) { return; }
  var list = desk.querySelector(".queue-list");
  var form = desk.querySelector("form.queue");
  var live = document.getElementById("queue-status");
  var empty = desk.querySelector("[data-empty]");
  var pager = desk.querySelector("[data-pager]");
  var help = document.getElementById("key-help");
  var hints = desk.querySelector("[data-key-hints]");
  var note = document.getElementById("note");
  var tab = desk.getAttribute("data-status");
  var undoStack = [];
  var busy = false;
  var current = null;
  var helpReturn = null;
  // The words come from the page, in the moderator's language (data-text,
  // from the catalogs): say("key", {name: …}) fills the placeholders, and a
  // key with one/other forms picks by vars.n.
  var words = {};
  try { words = JSON.parse(desk.getAttribute("data-text") || "{}"); } catch (e) { /* keys show */ }
  function say(key, vars) {
    var w = words[key] || key;
    vars = vars || {};
    if (typeof w === "object") { w = vars.n === 1 ? w.one : w.other; }
    return w.replace(/\{(\w+)\}/g, function (m, k) { return k in vars ? String(vars[k]) : m; });
  }

  var actions = {
    a: { name: "approve", status: "approved" },
    r: { name: "remove", status: "removed" },
    s: { name: "spam", status: "spam" }
  };

  function items() { return list ? Array.prototype.slice.call(list.querySelectorAll(".queue-item")) : []; }
  function idOf(it) { return it.id.replace(/^q-/, ""); }
  function author(it) {
    var who = it.querySelector(".who");
    return who ? who.textContent.trim() : say("someone");
  }

  // prepare makes a comment focusable (by script only) and names it for
  // screen readers by its author line, described by its text.
  function prepare(it) {
    if (it.hasAttribute("tabindex")) { return; }
    it.tabIndex = -1;
    it.setAttribute("aria-labelledby", it.id + "-who");
    it.setAttribute("aria-describedby", it.id + "-text");
  }

  function announce(msg) {
    // The same words twice in a row would not be read again.
    live.textContent = msg === live.textContent ? msg + "\u00a0" : msg;
  }

  // A tab's count is in data-n; its text is the number as the page's
  // language writes it ("20,000", "20.000"), as the server wrote it.
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  function countOf(status) { return desk.querySelector('[data-tab="' + status + '"] .count'); }
  function setCount(el, n) {
    el.setAttribute("data-n", String(n));
    el.textContent = numbers.format(n);
  }
  function bump(status, d) {
    var el = countOf(status);
    if (el) { setCount(el, Math.max(0, (parseInt(el.getAttribute("data-n"), 10) || 0) + d)); }
  }
  function left() {
    var el = countOf(tab);
    return el ? parseInt(el.getAttribute("data-n"), 10) || 0 : items().length;
  }

  function currentItem() {
    var el = document.activeElement;
    var it = el && el.closest ? el.closest(".queue-item") : null;
    if (it && list && list.contains(it)) { return it; }
    return current && list && list.contains(current) ? current : null;
  }

  // Roving tabindex: only the current comment is in the tab order.
  function focusItem(it) {
    if (!it) { return; }
    items().forEach(function (x) { x.tabIndex = -1; });
    it.tabIndex = 0;
    it.focus({ preventScroll: true });
    it.scrollIntoView({ block: "nearest" });
    current = it;
  }

  function move(d) {
    var all = items();
    if (!all.length) { announce(say("no_comments")); return; }
    var it = currentItem();
    var i = it ? all.indexOf(it) + d : (d > 0 ? 0 : all.length - 1);
    focusItem(all[Math.max(0, Math.min(all.length - 1, i))]);
  }

  function selected() {
    return items().filter(function (it) {
      var box = it.querySelector("input.pick");
      return box && box.checked;
    });
  }

  function send(url, body) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } });
  }

  function failed(res, what) {
    return res.json().catch(function () { return {}; }).then(function (j) {
      announce(say("failed", { what: what, why: j.error || say("server_answered", { status: res.status }) }));
    });
  }

  // run marks the queue busy until the request settles, so a second key
  // press cannot race the first.
  function run(p) {
    busy = true;
    p.catch(function () {
      announce(say("network"));
    }).then(function () { busy = false; });
  }

  // The first comment after the targets that stays, else the last before them.
  function nextAfter(targets) {
    var all = items();
    var last = all.indexOf(targets[targets.length - 1]);
    for (var i = last + 1; i < all.length; i++) {
      if (targets.indexOf(all[i]) < 0) { return all[i]; }
    }
    for (var j = all.indexOf(targets[0]) - 1; j >= 0; j--) {
      if (targets.indexOf(all[j]) < 0) { return all[j]; }
    }
    return null;
  }

  // putBack re-inserts a comment in id order (the list is newest first).
  function putBack(it) {
    var id = parseInt(idOf(it), 10);
    var before = items().filter(function (x) { return parseInt(idOf(x), 10) < id; })[0];
    list.insertBefore(it, before || null);
    showList(true);
  }

  function showList(on) {
    form.hidden = !on;
    empty.hidden = on;
  }

  // refill loads the next comments of this view once the page is cleared.
  function refill() {
    return fetch(location.href, { credentials: "same-origin" }).then(function (res) {
      return res.ok ? res.text() : "";
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll(".queue-list .queue-item").forEach(function (it) {
        var copy = document.importNode(it, true);
        prepare(copy);
        list.appendChild(copy);
      });
      doc.querySelectorAll("[data-tab] .count").forEach(function (c) {
        var mine = countOf(c.parentNode.getAttribute("data-tab"));
        if (mine) { setCount(mine, parseInt(c.getAttribute("data-n"), 10) || 0); }
      });
      var freshPager = doc.querySelector("[data-pager]");
      if (freshPager && pager) { pager.innerHTML = freshPager.innerHTML; }
    }).catch(function () { return null; });
  }

  function settle(next) {
    if (next) { focusItem(next); return; }
    if (items().length) { focusItem(items()[0]); return; }
    showList(false);
    if (left() === 0) { empty.focus(); return; }
    refill().then(function () {
      if (items().length) {
        showList(true);
        focusItem(items()[0]);
        announce(say("loaded") + " " + say("left", { n: left() }));
      } else {
        showList(false);
        empty.focus();
      }
    });
  }

  function act(key) {
    var a = actions[key];
    var sel = selected();
    var targets = sel.length ? sel : [currentItem()].filter(Boolean);
    if (!targets.length) { announce(say("choose")); return; }
    if (a.status === tab) { announce(say("already_" + a.name)); return; }
    var body = new URLSearchParams();
    var url = "/admin/comments/" + idOf(targets[0]) + "/" + a.name;
    if (sel.length) {
      url = "/admin/comments/bulk";
      body.append("action", a.name);
      targets.forEach(function (it) { body.append("ids", idOf(it)); });
    }
    if (note && note.value.trim()) { body.append("note", note.value.trim()); }
    run(send(url, body).then(function (res) {
      if (!res.ok) { return failed(res, say("could_not_" + a.name)); }
      var ids = (res.headers.get("X-Parley-Audit-Ids") || "").split(",").filter(Boolean);
      var next = nextAfter(targets);
      var removed = targets.map(function (it) {
        var box = it.querySelector("input.pick");
        if (box) { box.checked = false; }
        it.remove();
        return { id: idOf(it), item: it };
      });
      bump(tab, -targets.length);
      bump(a.status, targets.length);
      undoStack.push({ ids: ids, removed: removed, to: a.status });
      if (note) { note.value = ""; }
      var all = document.querySelector("[data-select-all]");
      if (all) { all.checked = false; }
      var done = targets.length === 1 ? say("did_" + a.name, { name: author(targets[0]) }) : say("did_" + a.name + "_many", { n: targets.length });
      announce(done + " " + say("left", { n: left() }));
      settle(next);
    }));
  }

  function undo() {
    var last = undoStack.pop();
    if (!last) { announce(say("nothing_to_undo")); return; }
    if (last.ban) { announce(say("ban_not_undone")); return; }
    if (!last.ids.length) { announce(say("undo_changed_nothing")); return; }
    var done = [];
    var problems = [];
    var chain = Promise.resolve();
    last.ids.forEach(function (id) {
      chain = chain.then(function () {
        return send("/admin/audit/" + id + "/undo", new URLSearchParams()).then(function (res) {
          if (res.ok) { return res.json().then(function (j) { done.push(j); }); }
          return res.json().catch(function () { return {}; }).then(function (j) {
            problems.push(j.error || say("could_not_undo", { id: id }));
          });
        });
      });
    });
    run(chain.then(function () {
      var back = [];
      done.forEach(function (j) {
        bump(last.to, -1);
        bump(j.status, 1);
        var rec = last.removed.filter(function (r) { return r.id === String(j.comment_id); })[0];
        if (rec && j.status === tab) {
          putBack(rec.item);
          back.push(rec.item);
        }
      });
      var undone = "";
      if (done.length === 1) {
        var who = back.length ? author(back[0]) : say("someone");
        undone = say("undone", { name: who, status: say("status_" + done[0].status) });
      } else if (done.length > 1) {
        undone = say("undone_many", { n: done.length });
      }
      announce([undone].concat(problems, [say("left", { n: left() })]).filter(Boolean).join(" "));
      if (back.length) { focusItem(back[0]); }
    }));
  }

  function ban() {
    var it = currentItem();
    if (!it) { announce(say("choose")); return; }
    var body = new URLSearchParams();
    if (note && note.value.trim()) { body.append("note", note.value.trim()); }
    var hours = document.getElementById("ban-hours"), opt = function (id, name) {
      var box = document.getElementById(id);
      if (box && box.checked) { body.append(name, "on"); }
    };
    if (hours && hours.value !== "") { body.append("hours", hours.value); }
    opt("ban-remove", "remove_recent");
    opt("ban-shadow", "shadow");
    run(send("/admin/comments/" + idOf(it) + "/ban", body).then(function (res) {
      if (res.status === 404 || res.status === 405) { announce(say("no_bans")); return null; }
      if (!res.ok) { return failed(res, say("could_not_ban", { name: author(it) })); }
      undoStack.push({ ban: true });
      announce(say("banned", { name: author(it) }));
      return null;
    }));
  }

  function select() {
    var it = currentItem();
    if (!it) { announce(say("choose")); return; }
    var box = it.querySelector("input.pick");
    box.checked = !box.checked;
    announce(say(box.checked ? "selected" : "unselected", { name: author(it) }) + " " + say("n_selected", { n: selected().length }));
  }

  function openHelp() {
    helpReturn = document.activeElement;
    help.show();
    help.querySelector("[data-help-close]").focus();
  }
  function closeHelp() {
    help.close();
    if (helpReturn && document.contains(helpReturn)) { helpReturn.focus(); }
  }

  function typing(el) {
    if (!el) { return false; }
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") { return true; }
    return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/i.test(el.type);
  }

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var k = e.key;
    if (typing(e.target)) {
      // Esc leaves a field of the queue for the current comment.
      if (k === "Escape" && form && form.contains(e.target) && items().length) {
        e.preventDefault();
        focusItem(currentItem() || items()[0]);
      }
      return;
    }
    if (k === "Escape" && help && help.open) { e.preventDefault(); closeHelp(); return; }
    if (k === "?") { e.preventDefault(); if (help.open) { closeHelp(); } else { openHelp(); } return; }
    if (k === "j" || k === "k") { e.preventDefault(); move(k === "j" ? 1 : -1); return; }
    if ((k === "p" || k === "e") && currentItem() && !busy) {
      // Pin/unpin posts the row's button; edit opens the moderator's edit page.
      var control = currentItem().querySelector(k === "p" ? "[data-pin]" : "[data-edit]");
      if (control) { e.preventDefault(); control.click(); }
      return;
    }
    if ("arsxbu".indexOf(k) < 0 || k.length !== 1) { return; }
    e.preventDefault();
    if (e.repeat) { return; }
    if (busy) { announce(say("busy")); return; }
    if (actions[k]) { act(k); } else if (k === "x") { select(); } else if (k === "b") { ban(); } else { undo(); }
  });

  if (help) {
    help.querySelector("[data-help-close]").addEventListener("click", closeHelp);
    desk.querySelectorAll("[data-help-open]").forEach(function (b) { b.addEventListener("click", openHelp); });
  }
  if (hints) { hints.hidden = false; }
  items().forEach(prepare);
  if (items().length) { items()[0].tabIndex = 0; }
})();
