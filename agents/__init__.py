"""Agents and the workflow engine. Imports only `integrations`."""
