// Parley's comment counts: fills every [data-parley-count="/page"] element
// from one request; worded in the site's language, or via data-zero/-one/-many
// (README, "Embedding").
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var base = new URL(script.src).origin, d = script.dataset;

  // Words from the element, else the script tag (digits grouped as the
  // page's language does), else Parley's (the site's language), else English.
  function words(el, n, res) {
    var e = el.dataset, sw = res.words || {}, lang = res.lang;
    var w = n === 0 ? e.zero || d.zero : n === 1 ? e.one || d.one : e.many || d.many;
    if (w) lang = (el.closest("[lang]") || {}).lang;
    else w = n === 0 ? sw.zero || "No comments" : n === 1 ? sw.one || "1 comment" : sw.many || "{n} comments";
    try { n = new Intl.NumberFormat(lang || undefined).format(n); } catch (err) { /* bad tag */ }
    return w.replace("{n}", n);
  }

  function run() {
    var els = [].slice.call(document.querySelectorAll("[data-parley-count]")), pages = [];
    els.forEach(function (el) {
      var p = el.getAttribute("data-parley-count");
      if (p && pages.indexOf(p) < 0) pages.push(p);
    });
    for (var i = 0; i < pages.length; i += 200) {
      fetch(base + "/api/v1/counts", {
        method: "POST",
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ site: d.site, pages: pages.slice(i, i + 200) })
      }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (res) {
        if (!res) return;
        els.forEach(function (el) {
          var n = res.counts[el.getAttribute("data-parley-count")];
          if (typeof n === "number") el.textContent = words(el, n, res);
        });
      }).catch(function () { /* the links work without counts */ });
    }
  }

  window.ParleyCount = run;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
