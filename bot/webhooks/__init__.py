"""Inbound webhook receivers (generic, Alertmanager, GitHub). See README.md."""
