"""Local HTTP servers that speak outside vendors' wire formats, so real SDKs run in tests."""
