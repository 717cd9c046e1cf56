// Live pages: follow the cluster's change feed (server-sent events from /clusters/{name}/live)
// and fire the `service-changed` event the diagram, tables and panel already refresh on, so a
// write by anyone (kubectl, the API, another browser) is redrawn without a reload, keeping the
// view's filter and selection. Bursts (a Deployment and its pods) become one refresh.
(function () {
  "use strict";
  var QUIET_MS = 120;
  var source = null;
  var timer = null;

  function refresh() {
    timer = null;
    if (window.htmx) window.htmx.trigger(document.body, "service-changed");
  }

  function connect() {
    var marker = document.querySelector("[data-live]");
    if (!marker || !window.EventSource || source) return;
    source = new EventSource(marker.getAttribute("data-live"));
    source.addEventListener("change", function () {
      if (timer === null) timer = setTimeout(refresh, QUIET_MS);
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
