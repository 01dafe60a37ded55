"""Small shared utilities of the application layer (``files``: atomic writes, output-path checks)."""
