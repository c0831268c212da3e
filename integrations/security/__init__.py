"""Security primitives shared by every layer: constant-time comparison, JSON limits, text
hygiene, the SSRF guard. Lowest layer, so edges and workers use the same rules."""
