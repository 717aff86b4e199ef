// Runs inside the embed iframe (Parley's own origin): tells the host page
// how tall the thread is, keeps the reader's edit tokens and commenter key
// in this origin's storage (never in cookies), and opens outside links in a
// new tab. The thread and its form work without it.
(function () {
  "use strict";
  var store = {
    get: function (k) {
      try { return JSON.parse(localStorage.getItem("parley:" + k)); } catch (e) { return null; }
    },
    set: function (k, v) {
      try { localStorage.setItem("parley:" + k, JSON.stringify(v)); } catch (e) { /* storage off */ }
    }
  };

  // After posting, the fragment is "#comment-12&edit=12.TOKEN[&key=KEY]".
  var parts = location.hash.slice(1).split("&"), anchor = parts.shift();
  if (parts.length) {
    parts.forEach(function (p) {
      var i = p.indexOf("="), k = p.slice(0, i), v;
      try { v = decodeURIComponent(p.slice(i + 1)); } catch (e) { return; }
      if (k === "edit") {
        var all = store.get("edit") || {}, dot = v.indexOf("."), week = 7 * 864e5;
        Object.keys(all).forEach(function (id) { if (!(all[id].at > Date.now() - week)) delete all[id]; });
        all[v.slice(0, dot)] = { token: v.slice(dot + 1), at: Date.now() };
        store.set("edit", all);
      } else if (k === "key") {
        store.set("key", v);
      }
    });
    history.replaceState(null, "", location.pathname + location.search + "#" + anchor);
  }

  var form = document.getElementById("comment-form"), key = store.get("key");
  if (key && form && form.tagName === "FORM") {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "commenter_key";
    input.value = key;
    form.appendChild(input);
  }

  if (window.parent === window) return;
  var root = document.documentElement, last = -1;
  var report = function () {
    var h = Math.ceil(root.getBoundingClientRect().height);
    if (h !== last) {
      last = h;
      // The title names the frame in the reader's language ("Kommentare").
      window.parent.postMessage({ parley: "height", h: h, t: document.title }, "*");
    }
  };
  if (window.ResizeObserver) new ResizeObserver(report).observe(root);
  window.addEventListener("load", function () {
    report();
    var target = anchor && document.getElementById(anchor);
    // From the top of the document: the frame, still short, may have
    // scrolled itself to the target before the page made it tall.
    if (target) window.parent.postMessage({ parley: "scroll", y: Math.round(target.getBoundingClientRect().top + window.pageYOffset) }, "*");
  });
  report();

  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[href]");
    if (a && a.origin !== location.origin && !a.target) a.target = "_blank";
  });
})();
