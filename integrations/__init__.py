"""Adapters to the outside world. Imports nothing of ours."""
