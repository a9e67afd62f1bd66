"""One screen per console section."""
