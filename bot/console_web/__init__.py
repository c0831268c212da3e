"""The web console at /console: sign-in by one-time link, runs, approvals and chat."""
