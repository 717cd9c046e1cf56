// The topology page's own behaviour: open the side panel for a clicked (or Enter-ed) element,
// keep the selection in the URL, highlight a traced path, and export the diagram as SVG or PNG.
// Everything else (filters, forms, refreshes) is HTMX and the server.
(function () {
  "use strict";

  function cluster() {
    var svg = document.getElementById("topology");
    if (svg) return svg.getAttribute("data-cluster");
    var match = location.pathname.match(/^\/clusters\/([^/]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // The Service search box sits in the view form but belongs to its own (empty) form: its
  // change must not redraw the diagram; only picking an option in the list does.
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "service-search") event.stopPropagation();
  }, true);

  function openPanel() {
    var panel = document.getElementById("panel");
    if (panel) panel.classList.add("open");
  }

  function closePanel() {
    var panel = document.getElementById("panel");
    if (panel) panel.classList.remove("open");
    remember("");
  }

  function remember(sel) {
    var input = document.querySelector('#view input[name="sel"]');
    if (input) input.value = sel;
    var url = new URL(location.href);
    if (sel) url.searchParams.set("sel", sel); else url.searchParams.delete("sel");
    history.replaceState(history.state, "", url);
    document.querySelectorAll("#topology .selected").forEach(function (el) {
      el.classList.remove("selected");
    });
    if (sel) {
      var el = document.querySelector('#topology [data-id="' + CSS.escape(sel) + '"]');
      if (el) {
        el.classList.add("selected");
        el.scrollIntoView({ block: "nearest", inline: "nearest" });  // not under the panel
      }
    }
  }

  function select(sel) {
    if (!sel || !window.htmx) return;
    openPanel();
    remember(sel);
    htmx.ajax("GET", "/clusters/" + encodeURIComponent(cluster()) + "/panel?sel=" +
      encodeURIComponent(sel), { target: "#panel-body", swap: "innerHTML" });
  }

  document.addEventListener("click", function (event) {
    var t = event.target;
    if (!t.closest) return;
    if (t.closest("[data-close-panel]")) { closePanel(); return; }
    if (t.closest("[data-open-panel]")) { openPanel(); return; }
    var exporter = t.closest("[data-export]");
    if (exporter) { exportDiagram(exporter.getAttribute("data-export")); return; }
    var link = t.closest("[data-select]");
    if (link) { select(link.getAttribute("data-select")); return; }
    if (t.closest("#topology a")) return;
    var el = t.closest("#topology .el");
    if (el) select(el.getAttribute("data-id"));
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closePanel(); return; }
    if (event.key !== "Enter" && event.key !== " ") return;
    var el = event.target.closest && event.target.closest("#topology .el");
    if (el) { event.preventDefault(); select(el.getAttribute("data-id")); }
  });

  // A traced path: light up its elements and the edges between consecutive ones.
  function highlight() {
    var svg = document.getElementById("topology");
    if (!svg) return;
    svg.querySelectorAll(".on-path").forEach(function (el) { el.classList.remove("on-path"); });
    var traces = document.querySelectorAll("#panel [data-trace], #present-result [data-trace]");
    var trace = traces[traces.length - 1];
    svg.classList.toggle("tracing", !!trace);
    if (!trace) return;
    var ids = trace.getAttribute("data-trace").split(" ").filter(Boolean);
    var on = new Set(ids);
    ids.forEach(function (id) {
      var el = svg.querySelector('[data-id="' + CSS.escape(id) + '"]');
      if (el) el.classList.add("on-path");
    });
    var drawn = new Set();
    svg.querySelectorAll(".edge").forEach(function (edge) {
      var parts = edge.getAttribute("data-id").split(">");
      var source = parts[0].split("@")[0];
      if (on.has(source) && on.has(parts[1])) {
        edge.classList.add("on-path");
        drawn.add(source + ">" + parts[1]);
      }
    });
    // Hops the diagram has no edge for (a client dialling a node's IP, a pod calling a
    // ClusterIP): a dashed link for as long as the trace is shown.
    svg.querySelectorAll(".trace-link").forEach(function (el) { el.remove(); });
    var boxes = ids.map(function (id) {
      var el = svg.querySelector('.el[data-id="' + CSS.escape(id) + '"]');
      return el && !el.matches(".node") ? { id: id, box: el.getBBox() } : null;
    }).filter(Boolean);
    for (var i = 1; i < boxes.length; i++) {
      var a = boxes[i - 1], b = boxes[i];
      if (drawn.has(a.id + ">" + b.id)) continue;
      var down = b.box.y > a.box.y + a.box.height;
      var start = [a.box.x + a.box.width / 2, down ? a.box.y + a.box.height : a.box.y + a.box.height / 2];
      var end = [b.box.x + (down ? b.box.width / 2 : 0), down ? b.box.y : b.box.y + b.box.height / 2];
      var line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
      line.setAttribute("class", "trace-link");
      line.setAttribute("points", around(svg, start, end, on).map(String).join(" "));
      svg.querySelector(".layer-edges").appendChild(line);
    }
  }
  // A hop the path did not take (a <pending> load balancer between the clients and a node's
  // IP) must not look taken: the dashed link goes around any box it would cross.
  function crosses(box, start, end) {
    for (var t = 0; t <= 1; t += 0.02) {
      var x = start[0] + (end[0] - start[0]) * t, y = start[1] + (end[1] - start[1]) * t;
      if (x > box.x && x < box.x + box.width && y > box.y && y < box.y + box.height) return true;
    }
    return false;
  }

  function around(svg, start, end, on) {
    var blocking = [];
    svg.querySelectorAll(".el.lb, .el.client, .el.addr").forEach(function (el) {
      if (on.has(el.getAttribute("data-id"))) return;
      var box = el.getBBox();
      if (crosses(box, start, end)) blocking.push(box);
    });
    if (!blocking.length) return [start, end];
    var left = Math.min.apply(null, blocking.map(function (b) { return b.x; })) - 14;
    var right = Math.max.apply(null, blocking.map(function (b) { return b.x + b.width; })) + 14;
    var x = left >= 0 && Math.abs(start[0] - left) <= Math.abs(start[0] - right) ? left : right;
    var top = Math.min.apply(null, blocking.map(function (b) { return b.y; })) - 8;
    var bottom = Math.max.apply(null, blocking.map(function (b) { return b.y + b.height; })) + 8;
    return [start, [start[0], Math.max(start[1], top)], [x, Math.max(start[1], top)],
      [x, Math.min(end[1], bottom)], [end[0], Math.min(end[1], bottom)], end];
  }

  document.addEventListener("htmx:afterSettle", highlight);
  document.addEventListener("DOMContentLoaded", function () {
    var selected = document.querySelector("#topology .selected");
    if (selected) selected.scrollIntoView({ block: "nearest", inline: "nearest" });
  });

  // The outcome of a change is read out, then fades after a few seconds.
  var flashTimer = null;
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id !== "flash") return;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () { event.target.innerHTML = ""; }, 6000);
  });

  // Export: the whole diagram (not the viewport), with the theme's colours written in.
  function standalone() {
    var svg = document.getElementById("topology");
    var clone = svg.cloneNode(true);
    var style = getComputedStyle(svg);
    var vars = [];
    for (var i = 0; i < style.length; i++) {
      var name = style[i];
      if (name.indexOf("--") === 0) vars.push(name + ":" + style.getPropertyValue(name));
    }
    var rules = [];
    Array.prototype.forEach.call(document.styleSheets, function (sheet) {
      var list;
      try { list = sheet.cssRules; } catch (e) { return; }
      Array.prototype.forEach.call(list, function (rule) {
        if (rule.selectorText && rule.selectorText.indexOf(".topo") !== -1) rules.push(rule.cssText);
      });
    });
    var css = document.createElementNS("http://www.w3.org/2000/svg", "style");
    css.textContent = "svg.topo{" + vars.join(";") + "}\n" + rules.join("\n");
    clone.insertBefore(css, clone.firstChild);
    clone.setAttribute("style", "background:" + style.getPropertyValue("--bg"));
    return { svg: clone, width: +svg.getAttribute("width"), height: +svg.getAttribute("height") };
  }

  function download(blob, name) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function exportDiagram(kind) {
    var doc = standalone();
    var text = new XMLSerializer().serializeToString(doc.svg);
    var name = cluster() + "-topology";
    if (kind === "svg") {
      download(new Blob([text], { type: "image/svg+xml" }), name + ".svg");
      return;
    }
    var image = new Image();
    image.onload = function () {
      var scale = 2;
      var canvas = document.createElement("canvas");
      canvas.width = doc.width * scale;
      canvas.height = doc.height * scale;
      var ctx = canvas.getContext("2d");
      ctx.scale(scale, scale);
      ctx.drawImage(image, 0, 0, doc.width, doc.height);
      canvas.toBlob(function (blob) { download(blob, name + ".png"); }, "image/png");
    };
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
  }
})();
