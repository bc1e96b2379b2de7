"""One parser per format; each takes (bytes, filename, limits) and returns a ParsedDocument."""
