"""HTML face: full pages and the HTMX partials they swap."""
