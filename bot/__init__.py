"""The edges: HTTP app, Slack, webhooks, REST API, console and CLI."""
