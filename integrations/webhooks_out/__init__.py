"""Outbound webhooks: endpoints, outbox fan-out, signed delivery with backoff. See README.md."""
