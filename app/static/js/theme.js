// Light and dark themes: the saved choice, else the system's. Runs before the first paint
// (loaded without defer) so a dark page never flashes white.
(function () {
  "use strict";
  var KEY = "svcscope-theme";
  var root = document.documentElement;
  var saved = null;
  try { saved = localStorage.getItem(KEY); } catch (e) { /* private mode */ }
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  root.setAttribute("data-theme", saved || (dark ? "dark" : "light"));
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("#theme-toggle")) return;
    var next = root.getAttribute("data-theme") === "dark" ? "light" : "dark";
    root.setAttribute("data-theme", next);
    try { localStorage.setItem(KEY, next); } catch (e) { /* private mode */ }
  });
})();
