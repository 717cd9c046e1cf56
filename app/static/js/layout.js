// Dragging node and load-balancer boxes on the topology diagram, and saving where they land.
// A drag moves the box (with the nodePort tabs, pods and Service bar pieces of a node) and bends the
// ends of its edges; the drop saves the positions with PUT /api/clusters/{c}/layout (one save
// at a time) and the server redraws the diagram from them. "Reset layout" deletes them.
(function () {
  "use strict";

  var drag = null;
  var suppressClick = false;

  function svgPoint(svg, event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    return point.matrixTransform(svg.getScreenCTM().inverse());
  }

  function csrfHeaders() {
    var headers = { "content-type": "application/json" };
    try {
      var token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"];
      if (token) headers["X-CSRF-Token"] = token;
    } catch (e) { /* no token: the server answers with a Status we show */ }
    return headers;
  }

  function flash(text) {
    var box = document.getElementById("flash");
    if (!box) return;
    var p = document.createElement("p");
    p.className = "flash error";
    p.textContent = text;
    box.replaceChildren(p);
    setTimeout(function () { if (p.parentNode) p.remove(); }, 6000);
  }

  function layoutUrl(svg) {
    return "/api/clusters/" + encodeURIComponent(svg.getAttribute("data-cluster")) + "/layout";
  }

  function redraw() {
    if (window.htmx) htmx.trigger(document.body, "service-changed");
  }

  function answer(response) {
    if (response.ok) return response.json();
    return response.json().then(function (status) {
      throw new Error(status && status.message ? status.message : "HTTP " + response.status);
    }, function () { throw new Error("HTTP " + response.status); });
  }

  // Saves run one after another: each reads the positions the previous one wrote, so a
  // second drop before the first save lands cannot write back a layout without the first box.
  var saving = Promise.resolve();

  function save(svg, id, x, y) {
    var url = layoutUrl(svg);
    saving = saving.then(function () {
      return fetch(url, { credentials: "same-origin" }).then(answer).then(function (saved) {
        var positions = saved.positions || {};
        positions[id] = { x: Math.round(x), y: Math.round(y) };
        return fetch(url, {
          method: "PUT", credentials: "same-origin", headers: csrfHeaders(),
          body: JSON.stringify({ positions: positions }),
        });
      }).then(answer).then(redraw).catch(function (error) {
        flash("The layout was not saved: " + error.message);
        redraw();
      });
    });
    return saving;
  }

  // What moves with a box: a node carries its nodePort tabs, the pods and counters in it and
  // its piece of every Service bar (all marked with data-column).
  function members(svg, el) {
    var id = el.getAttribute("data-id");
    var list = [el];
    if (!el.matches(".node")) return list;
    svg.querySelectorAll('[data-column="' + CSS.escape(id) + '"]').forEach(function (m) {
      list.push(m);
    });
    return list;
  }

  // The edges that follow a moved box. An end at a Service bar follows only when it touches
  // the bar's piece inside the dragged node (`column`: its x range; null for a load balancer).
  function edgesOf(svg, ids, column) {
    var found = [];
    function inColumn(point) {
      return column !== null && point[0] >= column[0] - 12 && point[0] <= column[1] + 12;
    }
    svg.querySelectorAll(".edge").forEach(function (edge) {
      var parts = edge.getAttribute("data-id").split(">");
      var points = edge.getAttribute("points").trim().split(/\s+/).map(function (p) {
        return p.split(",").map(Number);
      });
      var from = parts[0].split("@")[0];
      var source = ids.has(from) || (from.indexOf("svc:") === 0 && inColumn(points[0]));
      var target = ids.has(parts[1]) ||
        (parts[1].indexOf("svc:") === 0 && inColumn(points[points.length - 1]));
      if (!source && !target) return;
      var trunk = edge.hasAttribute("data-trunk") ? +edge.getAttribute("data-trunk") : -1;
      found.push({ el: edge, points: points, source: source, target: target, trunk: trunk });
    });
    return found;
  }

  // How far point i of an edge moves (as _end_delta in app/core/diagram/positions.py): the
  // first half with the source, the rest with the target; a bundled route (data-trunk, see
  // bundling.py) moves the points before its trunk with the source, those after it with the
  // target, and slides the trunk's two ends along the trunk only, so it stays orthogonal.
  function shiftOf(edge, i, d) {
    var none = [0, 0];
    var source = edge.source ? d : none, target = edge.target ? d : none;
    var n = edge.points.length, t = edge.trunk;
    if (t < 0 || t + 1 >= n) return i < Math.floor(n / 2) ? source : target;
    if (i < t) return source;
    if (i > t + 1) return target;
    var delta = i === t ? source : target;
    return edge.points[t][1] === edge.points[t + 1][1] ? [delta[0], 0] : [0, delta[1]];
  }

  document.addEventListener("pointerdown", function (event) {
    if (event.button !== 0 || !event.target.closest) return;
    if (event.target.closest("#topology a")) return;
    var el = event.target.closest("#topology .el.node, #topology .el.lb");
    if (!el) return;
    var svg = el.ownerSVGElement;
    var rect = el.querySelector("rect");
    var moving = members(svg, el);
    var ids = new Set(moving.map(function (m) { return m.getAttribute("data-id"); }));
    drag = {
      svg: svg, el: el, start: svgPoint(svg, event), moving: moving, ids: ids, edges: null,
      x: +rect.getAttribute("x"), y: +rect.getAttribute("y"), w: +rect.getAttribute("width"),
      dx: 0, dy: 0, active: false,
      pointer: event.pointerId,
    };
  });

  document.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.pointer) return;
    var point = svgPoint(drag.svg, event);
    var dx = point.x - drag.start.x, dy = point.y - drag.start.y;
    if (!drag.active) {
      if (Math.abs(dx) < 4 && Math.abs(dy) < 4) return;
      drag.active = true;
      var column = drag.el.matches(".node") ? [drag.x, drag.x + drag.w] : null;
      drag.edges = edgesOf(drag.svg, drag.ids, column);
      drag.svg.classList.add("dragging");
      drag.el.classList.add("dragged");
    }
    event.preventDefault();
    dx = Math.max(-drag.x, dx);
    dy = Math.max(-drag.y, dy);
    drag.dx = dx;
    drag.dy = dy;
    var shift = "translate(" + dx + " " + dy + ")";
    drag.moving.forEach(function (m) { m.setAttribute("transform", shift); });
    drag.edges.forEach(function (edge) {
      edge.el.setAttribute("points", edge.points.map(function (p, i) {
        var d = shiftOf(edge, i, [dx, dy]);
        return (p[0] + d[0]) + "," + (p[1] + d[1]);
      }).join(" "));
    });
  });

  function end(event) {
    if (!drag || event.pointerId !== drag.pointer) return;
    var done = drag;
    drag = null;
    if (!done.active) return;
    suppressClick = true;
    setTimeout(function () { suppressClick = false; }, 0);
    done.svg.classList.remove("dragging");
    if (event.type === "pointercancel") { redraw(); return; }
    save(done.svg, done.el.getAttribute("data-id"), done.x + done.dx, done.y + done.dy);
  }
  document.addEventListener("pointerup", end);
  document.addEventListener("pointercancel", end);

  // The click that ends a drag must not open the panel.
  document.addEventListener("click", function (event) {
    if (suppressClick) { event.stopPropagation(); event.preventDefault(); suppressClick = false; }
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-reset-layout]");
    if (!button) return;
    var svg = document.getElementById("topology");
    if (!svg) return;
    fetch(layoutUrl(svg), { method: "DELETE", credentials: "same-origin", headers: csrfHeaders() })
      .then(answer).then(redraw).catch(function (error) {
        flash("The layout was not reset: " + error.message);
      });
  });
})();
