// Live pages: follow the cluster's change feed (server-sent events from /clusters/{name}/live)
// and fire the `service-changed` event the diagram, tables and panel already refresh on, so a
// write by anyone (kubectl, the API, another browser) is redrawn without a reload, keeping the
// view's filter and selection. Bursts (a Deployment and its pods) become one refresh.
//
// A live redraw never throws away what the user is doing: it waits while one of the page's own
// requests is in flight, while a field inside a redrawn region holds an unsent edit, and for a
// moment after the page's own write (whose echo the page has already redrawn for); a live
// redraw that would land on an edit begun meanwhile is not swapped in, but tried again.
(function () {
  "use strict";
  var QUIET_MS = 120;
  var ECHO_MS = 1500;
  var source = null;
  var timer = null;
  var lastWrite = 0;
  var liveUntil = 0;

  function editing(root) {
    var fields = (root || document).querySelectorAll(
      '[hx-trigger*="service-changed"] input, [hx-trigger*="service-changed"] textarea');
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type !== "hidden" && f.type !== "checkbox" && f.type !== "radio" &&
          f.value !== f.defaultValue) return true;
    }
    return false;
  }

  function later(ms) {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(refresh, ms);
  }

  function refresh() {
    timer = null;
    var echo = lastWrite + ECHO_MS - Date.now();
    if (echo > 0) return later(echo);
    if (document.querySelector(".htmx-request") || editing()) return later(QUIET_MS);
    liveUntil = Date.now() + 2000;
    if (window.htmx) window.htmx.trigger(document.body, "service-changed");
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var verb = event.detail && event.detail.requestConfig && event.detail.requestConfig.verb;
    if (verb && verb !== "get") lastWrite = Date.now();
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail && event.detail.requestConfig;
    if (Date.now() < liveUntil && config && config.verb === "get" && editing()) {
      event.detail.shouldSwap = false;
      later(QUIET_MS);
    }
  });

  function connect() {
    var marker = document.querySelector("[data-live]");
    if (!marker || !window.EventSource || source) return;
    source = new EventSource(marker.getAttribute("data-live"));
    source.addEventListener("change", function () {
      if (timer === null) later(QUIET_MS);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", connect);
  else connect();
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { connect(); refresh(); }  // back from the page cache: catch up
  });
  window.addEventListener("pagehide", function () {
    if (source) source.close();
    source = null;
  });
})();
