"""Intent layer: catalog, language detection, slot extraction, local classifier, LLM router."""
