// Presenter mode and guided scenarios (partials/presenter.html, pages/scenario.html).
// Presenter mode (?present=1, the P key or the toggle) hides the toolbar and legend, sizes the
// diagram so that its smallest text is at least 16 px, keeps the step's subject in view above
// the presenter strip (which never overlaps the diagram), and gives the room its keys: space
// sends, s steps, p pauses, f takes a node down or up, ←/→ move between scenario steps, ? helps.
// Sending, stepping and pausing go to the animation (window.svcscopeMotion) when the page has
// it; the strip always shows the request's path and reasons from the server's trace.
(function () {
  "use strict";

  var MIN_TEXT_PX = 16.5;
  var strip = null;
  var guess = "";
  var seed = 0;
  var paused = false;
  var faultIndex = 0;
  var stepping = -1;

  function motion() { return window.svcscopeMotion || null; }
  function presenting() { return document.body.classList.contains("present"); }
  function status(text) {
    var el = strip && strip.querySelector(".present-status");
    if (el) el.textContent = text;
  }

  // --- the scenario page: open the step at once (not when coming back through history) ---
  function autosubmit() {
    var form = document.querySelector("form[data-autosubmit]");
    if (!form) return;
    var nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    if (nav && nav.type === "back_forward") return;
    // Through htmx (same-origin fetch: the page's CSRF header and a real Origin); the server
    // answers HX-Redirect to the step.
    if (window.htmx) window.htmx.trigger(form, "submit"); else form.submit();
  }

  // --- presenter mode on and off, and a diagram whose text stays readable ---
  function setPresenting(on) {
    document.body.classList.toggle("present", on);
    var url = new URL(window.location.href);
    if (on) url.searchParams.set("present", "1"); else url.searchParams.delete("present");
    history.replaceState(history.state, "", url.toString());
    fit();
    if (!on) closeHelp();
  }

  function smallestText(svg) {
    var smallest = Infinity;
    svg.querySelectorAll("text").forEach(function (t) {
      if (!t.getClientRects().length) return;
      var size = parseFloat(getComputedStyle(t).fontSize);
      if (size && size < smallest) smallest = size;
    });
    return smallest === Infinity ? 12 : smallest;
  }

  function fit() {
    var svg = document.getElementById("topology");
    if (!svg) return;
    if (!svg.hasAttribute("data-normal-style")) {
      svg.setAttribute("data-normal-style", svg.getAttribute("style") || "");
    }
    if (!presenting()) {
      svg.setAttribute("style", svg.getAttribute("data-normal-style"));
      return;
    }
    var box = svg.viewBox.baseVal;
    var canvas = svg.closest(".canvas");
    var room = canvas ? canvas.clientWidth : window.innerWidth;
    // SVG text is sized in user units: the drawn size is the font size times the scale.
    var scale = Math.max(room / box.width, MIN_TEXT_PX / smallestText(svg));
    svg.style.width = Math.ceil(box.width * scale) + "px";
    showSubject();
  }

  function showSubject() {
    var id = strip && strip.getAttribute("data-subject");
    var svg = document.getElementById("topology");
    if (!id || !svg) return;
    svg.querySelectorAll(".subject").forEach(function (el) { el.classList.remove("subject"); });
    var el = svg.querySelector('.el[data-id="' + CSS.escape(id) + '"]');
    if (!el) return;
    el.classList.add("subject");
    var canvas = svg.closest(".canvas");
    if (!canvas) return;
    var r = el.getBoundingClientRect(), c = canvas.getBoundingClientRect();
    // Centred when it fits; a subject wider or taller than the view shows its start.
    canvas.scrollLeft += r.width < c.width ? (r.left + r.width / 2) - (c.left + c.width / 2) : r.left - c.left - 8;
    canvas.scrollTop += r.height < c.height ? (r.top + r.height / 2) - (c.top + c.height / 2) : r.top - c.top - 8;
  }

  // --- the request: the step's, or the strip's own form ---
  function request() {
    var free = strip.querySelector(".present-free");
    if (free) {
      return {
        source: free.elements.source.value,
        destination: free.elements.destination.value,
        requests: "1",
      };
    }
    return {
      source: strip.getAttribute("data-source") || "external",
      destination: strip.getAttribute("data-destination") || "",
      requests: strip.getAttribute("data-requests") || "1",
    };
  }

  function trace(then) {
    var r = request();
    if (!r.destination) { status("Name a destination first."); return; }
    seed += 1;
    var url = "/clusters/" + encodeURIComponent(strip.getAttribute("data-cluster")) +
      "/trace?" + new URLSearchParams({
        source: r.source, destination: r.destination, seed: String(seed), requests: r.requests,
      }).toString();
    window.htmx.ajax("GET", url, { target: "#present-result", swap: "innerHTML", source: strip })
      .then(function () { shown(); if (then) then(); });
  }

  function send() {
    if (strip.getAttribute("data-predict") && !guess) {
      status("First the room guesses: click the pod you expect (or focus it and press Enter).");
      return;
    }
    stepping = -1;
    if (motion() && !strip.getAttribute("data-predict")) motion().send(1);
    trace();
  }

  // After a trace: light its path up, judge the room's guess.
  function shown() {
    var result = document.querySelector("#present-result [data-trace]");
    var svg = document.getElementById("topology");
    if (!result || !svg) { status("No path: see the message below."); return; }
    // topology.js lights the path up (it follows #present-result's data-trace too).
    var ids = result.getAttribute("data-trace").split(" ").filter(Boolean);
    var reached = ids.filter(function (id) { return id.indexOf("pod:") === 0; }).pop() || "";
    if (guess) {
      var name = function (id) { return id.split("/").pop(); };
      status(guess === reached ? "Right: it went to " + name(reached) + "."
        : "The room guessed " + name(guess) + "; it went to " + (reached ? name(reached) : "no pod") + ".");
      svg.querySelectorAll(".guess").forEach(function (el) { el.classList.remove("guess"); });
      guess = "";
    } else {
      status("Request " + seed + ": " + (result.querySelector(".badge") || {}).textContent + ".");
    }
  }

  // Step mode without the animation: the trace's hops one at a time, each with its reason.
  function step() {
    if (motion()) { motion().step(); return; }
    var hops = document.querySelectorAll("#present-result li.hop");
    if (stepping < 0 || !hops.length || stepping >= hops.length - 1) {
      stepping = 0;
      trace(function () { reveal(0); });
      return;
    }
    stepping += 1;
    reveal(stepping);
  }

  function reveal(upTo) {
    var hops = document.querySelectorAll("#present-result li.hop");
    hops.forEach(function (li, i) { li.hidden = i > upTo; });
    var now = hops[upTo];
    if (now) {
      var why = now.querySelector(".why");
      status("Hop " + (upTo + 1) + " of " + hops.length + ": " + (why ? why.textContent : ""));
    }
  }

  function pause() {
    var m = motion();
    if (!m) { status("No animation on this page: nothing to pause."); return; }
    if (paused) { m.resume(); paused = false; status("Resumed."); }
    else { m.pause(); paused = true; status("Paused."); }
  }

  // A node down or up, through the page's normal write (the node's Ready button).
  function fault() {
    var svg = document.getElementById("topology");
    if (!svg) return;
    var nodes = Array.prototype.slice.call(svg.querySelectorAll(".el.node[data-id]"));
    if (!nodes.length) { status("No node in view."); return; }
    var subject = strip.getAttribute("data-subject") || "";
    var chosen = svg.querySelector(".el.node.selected") ||
      (subject.indexOf("node:") === 0 && svg.querySelector('.el.node[data-id="' + CSS.escape(subject) + '"]'));
    if (!chosen) { chosen = nodes[faultIndex % nodes.length]; faultIndex += 1; }
    var name = chosen.getAttribute("data-id").slice(5);
    var down = !chosen.classList.contains("not-ready");
    var url = "/clusters/" + encodeURIComponent(strip.getAttribute("data-cluster")) +
      "/nodes/" + encodeURIComponent(name) + "/ready";
    status((down ? "Taking " + name + " down" : "Bringing " + name + " back") + "…");
    window.htmx.ajax("POST", url, { target: "#flash", swap: "innerHTML", source: strip,
      values: { ready: down ? "false" : "true" } })
      .then(function () { status(name + (down ? " is NotReady." : " is Ready again.")); });
  }

  function go(attribute) {
    var url = strip.getAttribute(attribute);
    if (url) window.location.assign(url);
    else status(attribute === "data-next" ? "This is the last step." : "This is the first step.");
  }

  // --- help ---
  var helpOpener = null;
  function openHelp() {
    var help = document.getElementById("present-help");
    if (!help) return;
    helpOpener = document.activeElement;
    help.hidden = false;
    help.querySelector("[data-help-close]").focus();
  }
  function closeHelp() {
    var help = document.getElementById("present-help");
    if (!help || help.hidden) return;
    help.hidden = true;
    if (helpOpener && helpOpener.focus) helpOpener.focus();
  }

  var KEYS = {
    " ": send, s: step, p: pause, f: fault,
    ArrowLeft: function () { go("data-prev"); },
    ArrowRight: function () { go("data-next"); },
    "?": function () {
      var help = document.getElementById("present-help");
      if (help && !help.hidden) closeHelp(); else openHelp();
    },
  };

  function typing(target) {
    return target && target.closest && target.closest("input, select, textarea, [contenteditable]");
  }

  // Capture on window: the presenter's keys win over the page's own (space included).
  window.addEventListener("keydown", function (event) {
    if (!strip || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var help = document.getElementById("present-help");
    if (help && !help.hidden) {
      if (event.key === "Escape" || event.key === "?") { event.preventDefault(); closeHelp(); }
      return;
    }
    if (event.key === "P") { event.preventDefault(); setPresenting(!presenting()); return; }
    if (!presenting()) return;
    var pod = event.target.closest && event.target.closest("#topology .el.pod");
    if (pod && strip.getAttribute("data-predict") && (event.key === "Enter" || event.key === " ") && !guess) {
      event.preventDefault();
      event.stopImmediatePropagation();
      choose(pod);
      return;
    }
    var action = KEYS[event.key];
    if (!action) return;
    if (event.key === " " && event.target.closest && event.target.closest("button, a")) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    action();
  }, true);

  function choose(pod) {
    var svg = document.getElementById("topology");
    svg.querySelectorAll(".guess").forEach(function (el) { el.classList.remove("guess"); });
    pod.classList.add("guess");
    guess = pod.getAttribute("data-id");
    status("The room guesses " + guess.split("/").pop() + ". Press space to send.");
  }

  // Clicks: the strip's buttons, the help's close, and the room's guess on a pod.
  window.addEventListener("click", function (event) {
    var t = event.target;
    if (!t.closest || !strip) return;
    var toggle = t.closest("[data-present-toggle]");
    if (toggle) { setPresenting(!presenting()); return; }
    var key = t.closest("[data-present-key]");
    if (key) { KEYS[key.getAttribute("data-present-key")](); return; }
    if (t.closest("[data-help-close]")) { closeHelp(); return; }
    var pod = t.closest("#topology .el.pod");
    if (pod && presenting() && strip.getAttribute("data-predict")) {
      event.preventDefault();
      event.stopImmediatePropagation();
      choose(pod);
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    autosubmit();
    strip = document.getElementById("presenter");
    if (!strip) return;
    var free = strip.querySelector(".present-free");
    if (free) free.addEventListener("submit", function (event) { event.preventDefault(); send(); });
    if (strip.getAttribute("data-present")) setPresenting(true);
  });
  // The live page redraws the diagram after every change: size it again.
  document.addEventListener("htmx:afterSettle", function () {
    var svg = document.getElementById("topology");
    if (svg && presenting() && !svg.hasAttribute("data-normal-style")) fit();
  });
  window.addEventListener("resize", function () { if (presenting()) fit(); });
})();
