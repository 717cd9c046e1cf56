// Live traffic over the topology diagram: requests from GET /api/clusters/{c}/traffic (one
// server-sent event per request, routed by the server against the cluster of that moment)
// become dots that travel their hops. The server decides every path; this script only moves
// dots along them, counts where they land, and owns the keys: Space sends one request, s steps
// one hop, p pauses. window.svcscopeMotion is the handle other scripts (presenter mode) use.
(function () {
  "use strict";
  var V = null;  // window.svcscopeMotionViews, once both scripts ran
  var HOP_MS = 420, MAX_DOTS = 400, RUN_LIMIT = 2000, MARK_MS = 2500, SLOW_MS = 200;
  var reduced = window.matchMedia("(prefers-reduced-motion: reduce)");
  var run = null;      // the stream being read: {controller, requests, start, received, sample}
  var position = 0;    // requests of this page's run already sent (the next one's number)
  var queued = 0, paused = false, speed = 1;
  var dots = [], marks = [], landed = [];
  var counts = { pod: {}, node: {} }, rings = {}, totals = null;
  var served = { pod: {}, node: {}, requests: 0 };  // every run's `done` totals, added up
  var stepDot = null, stepAhead = 0, frame = 0, last = 0, follow = null, drawn = 0;

  function section() { return document.getElementById("motion"); }
  function form() { return document.getElementById("motion-form"); }
  function field(name) { var f = form(); return f ? f.elements[name] : null; }
  function cluster() { var s = section(); return s ? s.getAttribute("data-cluster") : ""; }

  function status(text) { V.text("motion-status", text); }
  function error(text) {
    var el = document.getElementById("motion-error");
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
  }

  function params(requests, start) {
    var q = new URLSearchParams();
    q.set("destination", field("destination").value.trim());
    q.set("source", field("source").value);
    q.set("clients", field("clients").value || "1");
    q.set("rate", field("rate").value || "20");
    q.set("seed", field("seed").value || "0");
    q.set("requests", String(requests));
    q.set("start", String(start));
    return q;
  }

  // One 1-in-N sample keeps at most about MAX_DOTS dots in flight whatever the rate (canvas
  // dots: tests/bench/bench_motion.py measures frames with over 300 in flight).
  function sampleEvery() {
    var rate = parseFloat(field("rate").value) || 20;
    var flight = rate * 5 * HOP_MS / 1000 / speed;
    return Math.max(1, Math.ceil(flight / MAX_DOTS));
  }

  function send(n) {
    n = Math.max(1, Math.floor(n || 1));
    if (run || paused) { queued += n; status(queued + " queued"); return; }
    start(n, false);
  }

  function start(n, stepping) {
    if (position + n > RUN_LIMIT) { position = 0; status("a new run: the seed starts again"); }
    var controller = new AbortController();
    var r = { controller: controller, start: position, requests: position + n, received: 0,
              sample: stepping ? 1 : sampleEvery(), stepping: stepping };
    run = r;
    error("");
    V.text("motion-sample", "");
    status(r.sample > 1 ? "animating 1 in " + r.sample : "sending " + n);
    fetch("/api/clusters/" + encodeURIComponent(cluster()) + "/traffic?" +
      params(r.requests, r.start), { signal: controller.signal, headers: { Accept: "text/event-stream" } })
      .then(function (response) {
        if (!response.ok) {
          return response.json().then(function (s) { throw new Error(s.message || response.statusText); });
        }
        return read(response.body.getReader(), r);
      })
      .then(function () { finish(r); }, function (e) {
        if (e && e.name === "AbortError") return;
        error(String(e && e.message || e));
        finish(r);
      });
  }

  function read(reader, r) {
    var decoder = new TextDecoder(), buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) return;
        buffer += decoder.decode(chunk.value, { stream: true });
        var parts = buffer.split("\n\n");
        buffer = parts.pop();
        parts.forEach(function (block) { message(block, r); });
        return pump();
      });
    }
    return pump();
  }

  function message(block, r) {
    var name = "", data = "";
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event: ") === 0) name = line.slice(7);
      else if (line.indexOf("data: ") === 0) data += line.slice(6);
    });
    if (!data || run !== r) return;
    var body = JSON.parse(data);
    if (name === "done") { totals = body; add(body); return; }
    r.received++;
    position = body.request + 1;
    if (r.stepping) {  // presses made while the request was on its way count as steps
      stepDot = launch(body, true);
      if (stepDot) { stepDot.goal = Math.min(stepAhead, body.hops.length - 1); schedule(); }
      stepAhead = 0;
      return;
    }
    if (body.request % r.sample === 0) launch(body, false);
    else land(body, null);
  }

  function add(body) {
    served.requests += body.requests;
    [["pod", body.by_pod], ["node", body.by_node]].forEach(function (pair) {
      Object.keys(pair[1]).forEach(function (k) { served[pair[0]][k] = (served[pair[0]][k] || 0) + pair[1][k]; });
    });
  }

  function finish(r) {
    if (run !== r) return;
    run = null;
    status(r.sample > 1 ? "sent " + r.received + " (1 in " + r.sample + " drawn)" : "sent " + r.received);
    if (queued && !paused) { var n = queued; queued = 0; start(n, false); }
  }

  function launch(data, manual) {
    if (!V.svg()) return null;
    var dot = { data: data, pts: V.points(data), at: 0, goal: manual ? 0 : data.hops.length - 1,
                manual: manual, reached: -1, colour: data.client % 8 };
    place(dot);
    dots.push(dot);
    follow = dot;
    arrive(dot, 0);
    schedule();
    return dot;
  }

  function place(dot) {
    var i = Math.min(Math.floor(dot.at), dot.pts.length - 1), f = dot.at - i;
    if (reduced.matches) f = 0;  // reduced motion: the dot jumps from hop to hop
    var a = dot.pts[i], b = dot.pts[Math.min(i + 1, dot.pts.length - 1)];
    dot.x = a.x + (b.x - a.x) * f;
    dot.y = a.y + (b.y - a.y) * f;
  }

  // The dot reaches hop i: caption and packet for the dot being followed, the ladder's fall
  // at the Service, and at the last hop the end of the request.
  function arrive(dot, i) {
    if (i <= dot.reached) return;
    dot.reached = i;
    var hop = dot.data.hops[i];
    if (dot === follow || dot.manual) {
      V.text("motion-caption", V.caption(dot.data, i));
      V.text("motion-packet", V.packet(dot.data, i));
      tag = { request: dot.data.request, text: hop.src + " → " + hop.dst };
    }
    if (hop.kind === "service" && hop.rule && hop.node && dot.data.outcome === "delivered") {
      V.ladder(cluster(), hop, !!dot.data.affinityRule, HOP_MS / speed / 4);
    }
    if (i === dot.data.hops.length - 1 && !dot.manual) end(dot);
  }

  // The packet on the dot being followed: its addresses as they leave the hop it passed.
  var tag = null;

  function end(dot) {
    dot.done = true;
    land(dot.data, dot);
    if (dot.data.outcome !== "delivered") {
      var mark = V.make("text", "dot-mark outcome-" + dot.data.outcome, V.layer());
      mark.setAttribute("x", dot.x.toFixed(1));
      mark.setAttribute("y", (dot.y + 4).toFixed(1));
      mark.setAttribute("text-anchor", "middle");
      mark.textContent = "✕";
      mark.appendChild(document.createElementNS("http://www.w3.org/2000/svg", "title"))
        .textContent = dot.data.reason;
      marks.push({ el: mark, until: performance.now() + MARK_MS });
    }
  }

  // A request counts where the server says it went (drawn or not).
  function land(data, dot) {
    var pod = data.pod;
    if (data.outcome === "delivered" && pod) {
      var key = pod.namespace + "/" + pod.name;
      counts.pod[key] = (counts.pod[key] || 0) + 1;
      if (pod.node) counts.node[pod.node] = (counts.node[pod.node] || 0) + 1;
      if (data.affinitySeconds) {
        rings[key] = rings[key] || {};
        rings[key][data.client] = { until: performance.now() + data.affinitySeconds * 1000,
                                    total: data.affinitySeconds * 1000 };
      }
    }
    if (dot) landed.push({ request: data.request, x: dot.x, y: dot.y, outcome: data.outcome,
                           pod: pod ? "pod:" + pod.namespace + "/" + pod.name : null });
    schedule();
  }

  function schedule() { if (!frame) frame = requestAnimationFrame(tick); }

  var costs = [];  // the script's own time per frame (the last 600), for the bench
  var ticks = 0;  // frames drawn since the page loaded: a test waits for frames, not for time

  function tick(now) {
    var began = performance.now();
    frame = 0;
    ticks += 1;
    var dt = last ? Math.min(now - last, 100) : 16;
    last = now;
    var step = paused ? 0 : dt * speed / HOP_MS;
    var keep = [];
    dots.forEach(function (dot) {
      if (dot.done) return;
      if (dot.at < dot.goal) {
        dot.at = Math.min(dot.goal, dot.at + step);
        place(dot);
        arrive(dot, Math.floor(dot.at + 1e-9));
      }
      keep.push(dot);
    });
    dots = keep;
    marks = marks.filter(function (m) { if (now < m.until) return true; m.el.remove(); return false; });
    if (now - drawn > SLOW_MS) { V.drawRings(rings, now); V.drawCounts(counts); drawn = now; }
    if (tag && !dots.length && !stepDot) tag = null;
    V.paint(dots, tag);
    costs.push(performance.now() - began);
    if (costs.length > 600) costs.shift();
    if (dots.length || marks.length || Object.keys(rings).length || now - drawn < SLOW_MS) schedule();
    else { last = 0; V.drawCounts(counts); }
  }

  // Step mode: one request, one hop per press; past the last hop, the next press starts anew.
  function stepOnce() {
    if (stepDot && !stepDot.done) {
      if (stepDot.goal < stepDot.data.hops.length - 1) { stepDot.goal += 1; schedule(); return; }
      V.text("motion-caption", "Request " + stepDot.data.request + " " + stepDot.data.outcome +
        ": " + stepDot.data.reason);
      stepDot.manual = false;
      end(stepDot);
      stepDot = null;
      return;
    }
    if (run && run.stepping) { stepAhead++; return; }
    if (run || paused) { status("step: wait for the run to end"); return; }
    stepAhead = 0;
    start(1, true);
  }

  function pause() {
    if (paused) return;
    paused = true;
    if (run) {  // stop reading: what is left is asked for again on resume, from where it stopped
      var r = run;
      queued += r.requests - r.start - r.received;
      run = null;
      r.controller.abort();
    }
    pressed(true);
    status("paused" + (queued ? ", " + queued + " to send" : ""));
  }

  function resume() {
    if (!paused) return;
    paused = false;
    pressed(false);
    status("");
    schedule();
    if (queued && !run) { var n = queued; queued = 0; start(n, false); }
  }

  function pressed(on) {
    var b = document.querySelector('#motion [data-motion="pause"]');
    if (b) { b.setAttribute("aria-pressed", String(on)); b.textContent = on ? "Resume" : "Pause"; }
  }

  function setSpeed(x) {
    speed = Math.min(4, Math.max(0.25, parseFloat(x) || 1));
    var s = field("speed");
    if (s && parseFloat(s.value) !== speed) s.value = String(speed);
  }

  function busy() { return !!run || queued > 0 || dots.some(function (d) { return !d.done; }); }

  // Faults during a run: the destination Service's affinity or traffic policy, the provider.
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; }
    catch (e) { return ""; }
  }

  function write(method, url, body) {
    return fetch(url, { method: method, body: JSON.stringify(body), headers: {
      "Content-Type": method === "PATCH" ? "application/merge-patch+json" : "application/json",
      "X-CSRF-Token": csrf(), Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error(b.message); return b; }); });
  }

  function fault(kind) {
    var dest = field("destination").value.trim().split(":")[0].split(".");
    if (dest.length < 2) { error("choose a Service name.namespace:port to change it"); return; }
    var url = "/k8s/" + encodeURIComponent(cluster()) + "/api/v1/namespaces/" +
      encodeURIComponent(dest[1]) + "/services/" + encodeURIComponent(dest[0]);
    fetch(url).then(function (r) { return r.json(); }).then(function (svc) {
      var spec = svc.spec || {}, patch = {};
      if (kind === "affinity") {
        patch.sessionAffinity = spec.sessionAffinity === "ClientIP" ? "None" : "ClientIP";
        patch.sessionAffinityConfig = null;
      } else {
        if (!spec.externalTrafficPolicy) throw new Error(svc.metadata.name + " is not reachable from outside: no externalTrafficPolicy");
        patch.externalTrafficPolicy = spec.externalTrafficPolicy === "Local" ? "Cluster" : "Local";
      }
      return write("PATCH", url, { spec: patch }).then(function (done) {
        V.text("motion-change", svc.metadata.name + ": " + (kind === "affinity" ? "sessionAffinity " +
          done.spec.sessionAffinity : "externalTrafficPolicy " + done.spec.externalTrafficPolicy));
      });
    }).catch(function (e) { error(String(e.message || e)); });
  }

  function provider(value) {
    write("PATCH", "/api/clusters/" + encodeURIComponent(cluster()), { provider: value })
      .then(function () { V.text("motion-change", "provider " + value); }, function (e) { error(String(e.message || e)); });
  }

  function typing(t) {
    return t && t.closest && t.closest("input, select, textarea, [contenteditable]");
  }

  function pressable(t) {  // Space already means "press" on these
    return t && t.closest && t.closest("button, a, summary, #topology .el");
  }

  document.addEventListener("keydown", function (event) {
    if (!section() || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    if (event.key === " ") { if (!pressable(event.target)) { event.preventDefault(); send(1); } }
    else if (event.key === "s") { event.preventDefault(); stepOnce(); }
    else if (event.key === "p") { event.preventDefault(); if (paused) resume(); else pause(); }
  });

  document.addEventListener("click", function (event) {
    var t = event.target.closest && event.target.closest("#motion button");
    if (!t) return;
    if (t.hasAttribute("data-send")) send(parseInt(t.getAttribute("data-send"), 10));
    else if (t.getAttribute("data-motion") === "step") stepOnce();
    else if (t.getAttribute("data-motion") === "pause") { if (paused) resume(); else pause(); }
    else if (t.hasAttribute("data-fault")) fault(t.getAttribute("data-fault"));
  });

  document.addEventListener("change", function (event) {
    var t = event.target;
    if (!t.closest || !t.closest("#motion")) return;
    if (t.name === "speed") setSpeed(t.value);
    else if (t.name === "provider") provider(t.value);
    else if (["destination", "source", "clients", "seed", "rate"].indexOf(t.name) >= 0) position = 0;
  });
  document.addEventListener("submit", function (event) {
    if (event.target.id === "motion-form") event.preventDefault();
  });

  // The diagram is redrawn after every change: the dots move to the new drawing's places.
  document.addEventListener("htmx:afterSettle", function () {
    if (!V) return;
    V.forget();
    var layer = V.layer();
    dots.forEach(function (d) { d.pts = V.points(d.data); place(d); });
    marks.forEach(function (m) { if (layer) layer.appendChild(m.el); });
    V.drawCounts(counts);
  });

  function ready() {
    V = window.svcscopeMotionViews;
    if (!V || !section()) return;
    setSpeed(field("speed").value);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();

  window.svcscopeMotion = {
    send: send, step: stepOnce, pause: pause, resume: resume, setSpeed: setSpeed, busy: busy,
    paused: function () { return paused; },
    counts: function () { return JSON.parse(JSON.stringify(counts)); },
    totals: function () { return totals; },
    served: function () { return JSON.parse(JSON.stringify(served)); },
    landed: function () { return landed.slice(); },
    inFlight: function () { return dots.length; },
    frameCosts: function () { return costs.slice(); },
    ticks: function () { return ticks; }
  };
})();
