"""The web layer: the FastAPI app, its dependencies, routes and error rendering. Routes stay a few lines."""
