"""Read models for pages and the API: rows, the case view, the case page, the dashboard."""
