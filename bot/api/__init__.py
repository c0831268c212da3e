"""REST API /api/v1 (tenant API keys). See README.md."""
