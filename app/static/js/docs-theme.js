// /docs and /redoc in the theme the rest of the app shows. theme.js, loaded just before this,
// has set data-theme from the saved choice or the system's; both viewers take it from here.
(function () {
  "use strict";
  var root = document.documentElement;
  var dark = root.getAttribute("data-theme") === "dark";
  // Swagger UI 5 ships its own dark theme: swagger-ui.css styles everything under html.dark-mode.
  if (dark) root.classList.add("dark-mode");
  // ReDoc has no dark theme, only a theme option, so /redoc starts it here rather than through
  // the bundle's <redoc spec-url> auto-start, which reads its options before any page script.
  var text = "#e6e9ef", muted = "#9aa3b2", accent = "#6f9bff", line = "#2c3340";
  var darkTheme = {
    colors: {
      // Darker than the app's accent: ReDoc puts white text on it and it on white buttons.
      primary: { main: "#4f7fe8" },
      text: { primary: text, secondary: muted },
      border: { dark: line, light: line },
    },
    schema: { nestedBackground: "#1d222c", linesColor: "#4a5467", typeNameColor: muted },
    typography: {
      links: { color: accent, visited: accent, hover: "#9dbcff" },
      code: { color: "#ffb38a", backgroundColor: "#232a36" },
    },
    sidebar: { backgroundColor: "#1d222c", textColor: text, activeTextColor: accent },
    rightPanel: { backgroundColor: "#10131a", textColor: text },
  };
  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("redoc");
    if (!element || !window.Redoc) return;
    window.Redoc.init(element.dataset.specUrl, dark ? { theme: darkTheme } : {}, element);
  });
})();
