// What the live-traffic animation draws besides the dots: where each hop is on the diagram,
// the counters on pods and nodes, the affinity rings, the caption and the packet line, and the
// probability ladder. motion.js owns the runs and the dots and calls these.
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var boxes = new Map();  // data-id → bbox, for the SVG currently on the page
  var boxesOf = null;

  function svg() { return document.getElementById("topology"); }

  function box(id) {
    var s = svg();
    if (!s) return null;
    if (boxesOf !== s) { boxes = new Map(); boxesOf = s; }
    if (boxes.has(id)) return boxes.get(id);
    var el = s.querySelector('.el[data-id="' + CSS.escape(id) + '"]');
    var b = el ? el.getBBox() : null;
    boxes.set(id, b);
    return b;
  }

  function centre(b) { return { x: b.x + b.width / 2, y: b.y + b.height / 2 }; }

  // One point per hop: the element the hop names (a node hop: the nodePort tab it entered by,
  // else the node's heading; a service hop: the Service's bar above the node whose kube-proxy
  // decided). A hop the view does not draw stays where the previous one was.
  function points(data) {
    var out = [], last = null;
    data.hops.forEach(function (hop, i) {
      var ids = (data.ids && data.ids[i]) || [];
      var p = null;
      if (hop.kind === "node") {
        var tab = ids.filter(function (id) { return id.indexOf("np:") === 0; })[0];
        var b = tab ? box(tab) : box("node:" + hop.name);
        if (b) p = tab ? centre(b) : { x: b.x + b.width / 2, y: b.y + 26 };
      } else if (hop.kind === "service" && ids[0]) {
        var bar = box(ids[0]);
        var col = hop.node ? box("node:" + hop.node) : null;
        if (bar) {
          var x = col ? col.x + col.width / 2 : bar.x + bar.width / 2;
          p = { x: Math.min(Math.max(x, bar.x + 8), bar.x + bar.width - 8), y: bar.y + bar.height / 2 };
        }
      } else {
        for (var k = 0; k < ids.length && !p; k++) { var e = box(ids[k]); if (e) p = centre(e); }
        if (!p && hop.kind === "pod" && hop.node) {
          var chip = svg() && svg().querySelector('.chip[data-column="node:' + CSS.escape(hop.node) + '"]');
          if (chip) p = centre(chip.getBBox());
        }
      }
      p = p || last || { x: 20, y: 20 };
      out.push({ x: p.x, y: p.y });
      last = p;
    });
    return out;
  }

  function layer() {
    var s = svg();
    if (!s) return null;
    var g = s.querySelector("g.motion-layer");
    if (!g) {
      g = document.createElementNS(SVGNS, "g");
      g.setAttribute("class", "motion-layer");
      g.setAttribute("aria-hidden", "true");
      s.appendChild(g);
    }
    return g;
  }

  function make(tag, cls, parent) {
    var el = document.createElementNS(SVGNS, tag);
    el.setAttribute("class", cls);
    if (parent) parent.appendChild(el);
    return el;
  }

  // Counters: requests delivered per pod, and per node (to the pods it hosts).
  function drawCount(id, n) {
    var s = svg(), b = box(id);
    if (!s || !b) return;
    var g = s.querySelector('.el[data-id="' + CSS.escape(id) + '"]');
    var t = g.querySelector("text.motion-count");
    if (!t) {
      t = make("text", "motion-count", g);
      t.setAttribute("text-anchor", "end");
      t.setAttribute("x", String(b.x + b.width - 6));
      t.setAttribute("y", String(b.y + (id.indexOf("node:") === 0 ? 17 : 13)));
    }
    t.textContent = String(n);
    t.setAttribute("data-count", String(n));
  }

  function drawCounts(counts) {
    Object.keys(counts.pod).forEach(function (k) { drawCount("pod:" + k, counts.pod[k]); });
    Object.keys(counts.node).forEach(function (k) { drawCount("node:" + k, counts.node[k]); });
  }

  // Affinity: per pod, the clients it holds and when each one's memory runs out.
  function drawRings(rings, now) {
    var g = layer();
    if (!g) return;
    Object.keys(rings).forEach(function (pod) {
      var held = rings[pod], b = box("pod:" + pod), best = 0, clients = 0;
      Object.keys(held).forEach(function (c) {
        var left = (held[c].until - now) / held[c].total;
        if (left <= 0) { delete held[c]; return; }
        clients++;
        best = Math.max(best, left);
      });
      var ring = g.querySelector('circle.affinity-ring[data-pod="' + CSS.escape(pod) + '"]');
      if (!b || !clients) { if (ring) ring.remove(); return; }
      if (!ring) {
        ring = make("circle", "affinity-ring", g);
        ring.setAttribute("data-pod", pod);
        ring.setAttribute("r", "9");
        ring.setAttribute("pathLength", "100");
      }
      ring.setAttribute("cx", String(b.x + b.width - 12));
      ring.setAttribute("cy", String(b.y + b.height + 2));
      ring.setAttribute("stroke-dasharray", (best * 100).toFixed(1) + " 100");
      if (ring.getAttribute("data-clients") !== String(clients)) {
        ring.setAttribute("data-clients", String(clients));
        var title = ring.querySelector("title") || make("title", "", ring);
        title.textContent = clients + " client(s) held by ClientIP affinity";
      }
    });
  }

  function text(id, value) {
    var el = document.getElementById(id);
    if (el) el.textContent = value;
  }

  // The packet as it leaves a hop, and what the hop did to it (DNAT, SNAT, the client IP kept).
  function packet(data, i) {
    var hop = data.hops[i], prev = i ? data.hops[i - 1] : null;
    var notes = [];
    if (prev && prev.dst !== hop.dst) notes.push("DNAT " + prev.dst + " → " + hop.dst);
    if (prev && prev.src !== hop.src) notes.push("SNAT " + prev.src + " → " + hop.src);
    if (hop.kind === "pod" && hop.src === data.clientIP) notes.push("client IP " + hop.src + " kept");
    return hop.src + " → " + hop.dst + (notes.length ? "  ·  " + notes.join(" · ") : "");
  }

  function caption(data, i) {
    var hop = data.hops[i];
    var where = hop.kind + " " + hop.name + (hop.node && hop.kind !== "node" ? " on " + hop.node : "");
    var rule = hop.rule ? " [" + hop.rule + "]" : "";
    return "Request " + data.request + ", client " + data.client + " · hop " + (i + 1) + "/" +
      data.hops.length + " · " + where + ": " + hop.reason + rule;
  }

  // The ladder: one chain's rungs on one node, fetched from the rules kube-proxy writes.
  var ladders = new Map(), shown = "", pending = "";

  function fraction(p) {
    if (p >= 0.9999999) return "1";
    var n = Math.round(1 / p);
    return Math.abs(1 / n - p) < 1e-6 ? "1/" + n : p.toFixed(4);
  }

  function drawLadder(key, body) {
    var list = document.getElementById("ladder-rungs");
    if (!list) return;
    shown = key;
    text("ladder-chain", body.chain + " on " + body.node + " (" + body.mode + ")");
    list.innerHTML = "";
    if (!body.rungs.length) {  // the rules changed since the request went through them
      var none = document.createElement("li");
      none.className = "rung";
      none.textContent = "kube-proxy does not write this chain on " + body.node + " any more";
      list.appendChild(none);
    }
    body.rungs.forEach(function (r, i) {
      var li = document.createElement("li");
      li.className = "rung" + (r.affinity ? " affinity" : "");
      li.setAttribute("data-endpoint", r.endpoint);
      li.setAttribute("data-index", String(i));
      li.title = r.rule;
      var chance = body.mode === "iptables" ? "p=" + fraction(r.probability)
        : body.mode === "nftables" ? (r.affinity ? "affinity" : "numgen " + i + " of " + Math.round(1 / r.probability))
        : "scheduler 1/" + Math.round(1 / r.probability);
      li.textContent = (r.affinity ? "affinity → " : "") + chance + " → " + r.target + " → " + r.endpoint;
      list.appendChild(li);
    });
  }

  // The dot falls through the rungs before the one that matched (iptables), or goes straight
  // to the element numgen or the IPVS scheduler picked.
  function fall(body, hop, sticky, stepMs) {
    var list = document.getElementById("ladder-rungs");
    if (!list) return 0;
    var rungs = Array.prototype.slice.call(list.children);
    rungs.forEach(function (li) { li.classList.remove("passed", "matched"); });
    var target = -1;
    body.rungs.forEach(function (r, i) {
      if (target < 0 && r.endpoint === hop.dst && r.affinity === !!sticky) target = i;
    });
    if (target < 0) return 0;
    var cascade = body.mode === "iptables" || sticky;
    rungs.forEach(function (li, i) {
      if (cascade && i < target) setTimeout(function () { li.classList.add("passed"); }, i * stepMs);
    });
    setTimeout(function () { rungs[target].classList.add("matched"); }, cascade ? target * stepMs : 0);
    return (cascade ? target : 0) * stepMs + stepMs;
  }

  // One fall at a time: a dot reaching the Service while the last one still falls waits for
  // it, and only the newest waiting one is shown. At a teaching pace every dot falls; at 40
  // a second the ladder no longer restyles its rungs 150 times a second, which cost frames
  // (bench_motion: the script's p99 per frame halved without it).
  var fallingUntil = 0, waiting = null;

  function show(key, body, hop, sticky, stepMs) {
    var now = performance.now();
    if (now < fallingUntil) {
      if (!waiting) {
        setTimeout(function () {
          var w = waiting;
          waiting = null;
          show(w.key, w.body, w.hop, w.sticky, w.stepMs);
        }, fallingUntil - now);
      }
      waiting = { key: key, body: body, hop: hop, sticky: sticky, stepMs: stepMs };
      return;
    }
    if (shown !== key) drawLadder(key, body);
    fallingUntil = now + (fall(body, hop, sticky, stepMs) || 0);
  }

  function ladder(cluster, hop, sticky, stepMs) {
    var want = document.getElementById("ladder-node");
    if (want && want.value && want.value !== hop.node) return;
    var key = hop.node + "|" + hop.rule.split(" → ")[0];
    var body = ladders.get(key);
    if (body) {
      show(key, body, hop, sticky, stepMs);
      return;
    }
    if (pending === key) return;
    pending = key;
    fetch("/api/clusters/" + encodeURIComponent(cluster) + "/nodes/" + encodeURIComponent(hop.node) +
      "/ladder?chain=" + encodeURIComponent(hop.rule), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (got) {
        pending = "";
        if (!got) return;
        ladders.set(key, got);
        show(key, got, hop, sticky, stepMs);
      }, function () { pending = ""; });
  }

  // The dots are painted on a canvas over the visible part of the diagram: moving 300 SVG
  // elements would repaint the whole (possibly 100-node wide) drawing every frame.
  var canvas = null, palette = null, paletteAt = 0;

  function colours(now) {
    if (!palette || now - paletteAt > 1000) {  // the theme may change under a run
      var css = getComputedStyle(document.documentElement);
      palette = [0, 1, 2, 3, 4, 5, 6, 7].map(function (i) { return css.getPropertyValue("--t" + i).trim() || "#36c"; });
      palette.fg = css.getPropertyValue("--fg").trim() || "#111";
      palette.bg = css.getPropertyValue("--bg").trim() || "#fff";
      paletteAt = now;
    }
    return palette;
  }

  function surface() {
    var s = svg(), holder = s && s.parentNode;
    if (!holder) return null;
    if (!canvas || canvas.parentNode !== holder) {
      canvas = document.createElement("canvas");
      canvas.className = "motion-canvas";
      canvas.setAttribute("aria-hidden", "true");
      if (getComputedStyle(holder).position === "static") holder.style.position = "relative";
      holder.appendChild(canvas);
    }
    var dpr = window.devicePixelRatio || 1;
    var w = holder.clientWidth, h = holder.clientHeight;
    canvas.style.left = holder.scrollLeft + "px";
    canvas.style.top = holder.scrollTop + "px";
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = w + "px";
      canvas.style.height = h + "px";
    }
    return { ctx: canvas.getContext("2d"), dpr: dpr, svg: s };
  }

  function paint(dots, tag) {
    var out = surface();
    if (!out) return;
    var ctx = out.ctx, dpr = out.dpr;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!dots.length) return;
    var m = out.svg.getScreenCTM(), r = canvas.getBoundingClientRect();
    if (!m) return;
    ctx.setTransform(dpr * m.a, dpr * m.b, dpr * m.c, dpr * m.d, dpr * (m.e - r.left), dpr * (m.f - r.top));
    var p = colours(performance.now()), followed = null;
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = p.bg;
    for (var c = 0; c < 8; c++) {  // one path per colour: 8 fills, not 300
      ctx.beginPath();
      for (var i = 0; i < dots.length; i++) {
        var d = dots[i];
        if (d.colour !== c || d.done) continue;
        ctx.moveTo(d.x + 5, d.y);
        ctx.arc(d.x, d.y, 5, 0, 2 * Math.PI);
        if (tag && d.data.request === tag.request) followed = d;
      }
      ctx.fillStyle = p[c];
      ctx.fill();
      ctx.stroke();
    }
    if (followed) {
      ctx.font = "600 11px ui-monospace, monospace";
      ctx.lineWidth = 3;
      ctx.strokeText(tag.text, followed.x + 9, followed.y - 8);
      ctx.fillStyle = p.fg;
      ctx.fillText(tag.text, followed.x + 9, followed.y - 8);
    }
  }

  function forget() { ladders = new Map(); boxes = new Map(); boxesOf = null; shown = ""; }

  window.svcscopeMotionViews = {
    svg: svg, box: box, points: points, layer: layer, make: make, drawCounts: drawCounts,
    drawRings: drawRings, text: text, packet: packet, caption: caption, ladder: ladder, forget: forget,
    paint: paint
  };
})();
