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

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  new MutationObserver(retheme).observe(document.documentElement, {
    attributes: true, attributeFilter: ["data-theme"],
  });
})();
