// Parley's loader for site owners. Paste:
//   <script src="https://comments.example.com/static/embed.js" data-site="S" async></script>
//   <div id="parley-thread"></div>
// It puts Parley's thread of this page into an iframe when the element nears
// the viewport, and sizes it from the iframe's messages. See the README.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.Parley) return;
  var base = new URL(script.src).origin, opts = script.dataset, frames = [];

  function canonical() {
    var link = document.querySelector('link[rel="canonical"]');
    return link && link.href ? new URL(link.href, location.href) : null;
  }

  // The page key: data-page, else the canonical link's path, else the path.
  function source(el, o) {
    var d = el.dataset, c = canonical();
    var q = new URLSearchParams({
      site: o.site || d.site || opts.site,
      page: o.page || d.page || (c ? c.pathname + c.search : location.pathname),
      url: o.url || d.url || (c && c.origin === location.origin ? c.href : location.href.split("#")[0]),
      title: o.title || d.title || document.title,
      theme: d.theme || opts.theme || "auto"
    });
    if (opts.accent) q.set("accent", opts.accent);
    if (opts.font) q.set("font", opts.font);
    // A comment's permalink (#parley-comment-12) opens the thread at it.
    var m = /^#parley-comment-(\d+)$/.exec(location.hash);
    if (m) q.set("comment", m[1]);
    return base + "/embed?" + q + (m ? "#comment-" + m[1] : "");
  }

  function mount(el, o) {
    var frame = el.querySelector("iframe[data-parley]");
    if (!frame) {
      frame = document.createElement("iframe");
      frame.setAttribute("data-parley", "");
      frame.title = "Comments";
      frame.style.width = "100%";
      frame.style.height = "160px";
      frame.style.border = "0";
      frame.style.display = "block";
      el.textContent = "";
      el.appendChild(frame);
      frames.push(frame);
    }
    frame.src = source(el, o || {});
  }

  // Load when the element comes within 600px of the viewport.
  function load(el, o) {
    if (!window.IntersectionObserver) return mount(el, o);
    var io = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) {
        io.disconnect();
        mount(el, o);
      }
    }, { rootMargin: "600px 0px" });
    io.observe(el);
  }

  function targets() {
    var id = (opts.target || "parley-thread").replace(/^#/, "");
    var list = [].slice.call(document.querySelectorAll("[data-parley-thread]"));
    var main = document.getElementById(id);
    if (main && list.indexOf(main) < 0) list.unshift(main);
    return list;
  }

  window.addEventListener("message", function (e) {
    var m = e.data;
    if (e.origin !== base || !m || typeof m.parley !== "string") return;
    frames.forEach(function (frame) {
      if (frame.contentWindow !== e.source) return;
      var n = Math.round(+(m.parley === "height" ? m.h : m.y));
      if (!(n >= 0 && n < 1e6)) return;
      if (m.parley === "height") frame.style.height = n + "px";
      if (typeof m.t === "string" && m.t) frame.title = m.t.slice(0, 200);
      if (m.parley === "scroll") window.scrollTo(0, frame.getBoundingClientRect().top + window.pageYOffset + n - 16);
    });
  });

  // The API for pages that change without a reload (single-page apps):
  // Parley.load(element, {page, url, title}) shows a thread in element, or in
  // every target when element is null; Parley.reload() does that for the
  // current location.
  window.Parley = {
    load: function (el, o) {
      frames = frames.filter(function (f) { return f.isConnected; });
      (el ? [el] : targets()).forEach(function (t) { load(t, o); });
    },
    reload: function (o) { window.Parley.load(null, o); }
  };
  window.addEventListener("hashchange", function () {
    if (/^#parley-comment-\d+$/.test(location.hash)) window.Parley.reload();
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { window.Parley.load(); });
  } else {
    window.Parley.load();
  }
})();
