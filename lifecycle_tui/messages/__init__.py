"""Message templates: sandboxed Jinja, per-channel message models, lint and preview."""
