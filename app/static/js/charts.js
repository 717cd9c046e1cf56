// Draws the plotly figures the server built (data-figure holds plotly JSON). plotly.js comes
// from the plotly Python package (static/vendor, copied by `make install`) and is loaded only
// when the first chart appears, so the topology page stays light. Each chart wears the plotly
// template of the page's theme (data-templates, built by app/web/charts.py), and changes with it.
(function () {
  "use strict";

  var loading = null;

  function plotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = "/static/vendor/plotly.min.js";
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = function () { loading = null; reject(new Error("plotly.js did not load")); };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function theme() {
    return document.documentElement.getAttribute("data-theme") === "dark" ? "dark" : "light";
  }

  function template(el) {
    var box = el.closest("[data-templates]");
    if (!box) return null;
    return JSON.parse(box.getAttribute("data-templates"))[theme()] || null;
  }

  function retheme() {
    if (!window.Plotly) return;
    document.querySelectorAll("[data-figure][data-drawn]").forEach(function (el) {
      var chosen = template(el);
      if (!chosen || !el.layout) return;
      window.Plotly.react(el, el.data, Object.assign({}, el.layout, { template: chosen }));
    });
  }

  function draw() {
    var charts = document.querySelectorAll("[data-figure]:not([data-drawn])");
    if (!charts.length) return;
    plotly().then(function (Plotly) {
      charts.forEach(function (el) {
        if (el.hasAttribute("data-drawn")) return;
        el.setAttribute("data-drawn", "");
        var figure = JSON.parse(el.getAttribute("data-figure"));
        var chosen = template(el);
        if (chosen) figure.layout.template = chosen;
        Plotly.newPlot(el, figure.data, figure.layout, { responsive: true, displaylogo: false });
      });
    }).catch(function (error) {
      charts.forEach(function (el) { el.textContent = "The chart could not be drawn: " + error.message; });
    });
  }

  // Charts as PNG files: plotly's own downloadImage, drawn in the browser (nothing leaves it).
  function savePng(button) {
    var box = button.closest("#sim-result") || document;
    var charts = box.querySelectorAll("[data-figure][data-drawn]");
    if (!window.Plotly || !charts.length) return;
    var chain = Promise.resolve();
    charts.forEach(function (el, i) {
      var title = (el.layout && el.layout.title && el.layout.title.text) || "chart";
      var name = "svcscope-" + (i + 1) + "-" + title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
      chain = chain.then(function () {
        return window.Plotly.downloadImage(el, { format: "png", filename: name.slice(0, 80),
          width: el.clientWidth || 700, height: el.clientHeight || 320 });
      });
    });
  }

  // The seeded replay: a slider over the run's sampled requests, each shown with its path,
  // its pod lit on the diagram.
  function replay(slider) {
    var box = slider.closest("[data-replay]");
    var frames = JSON.parse(box.getAttribute("data-replay"));
    var frame = frames[Number(slider.value)];
    if (!frame) return;
    var out = box.querySelector(".replay-now");
    out.textContent = "#" + frame.request + " at t=" + frame.t + " s from " + frame.client + ": " +
      frame.outcome + (frame.pod ? " → " + frame.pod + " on " + frame.node : "") + " · " +
      frame.hops.join(" → ") + ". " + frame.reason + (frame.instead ? " Instead: " + frame.instead : "");
    var svg = document.getElementById("topology");
    if (!svg) return;
    svg.querySelectorAll(".replay-at").forEach(function (el) { el.classList.remove("replay-at"); });
    if (!frame.pod) return;
    svg.querySelectorAll('.el.pod[data-id$="/' + CSS.escape(frame.pod) + '"]').forEach(function (el) {
      el.classList.add("replay-at");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-chart-png]");
    if (button) savePng(button);
  });
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches(".replay-scrub")) replay(event.target);
  });
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll(".replay-scrub:not([data-shown])").forEach(function (slider) {
      slider.setAttribute("data-shown", "");
      replay(slider);
    });
  });

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  new MutationObserver(retheme).observe(document.documentElement, {
    attributes: true, attributeFilter: ["data-theme"],
  });
})();
