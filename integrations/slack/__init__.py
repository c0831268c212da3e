"""Outbound Slack: the Web API client, per-channel pacing, posting and the installation stores."""
