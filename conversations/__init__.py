"""One turn of a conversation: message in, reply out. Imports `agents` and `integrations`."""
