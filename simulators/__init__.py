"""Built-in cost models. Each imports only archgym_lite core types (never gymnasium)."""
