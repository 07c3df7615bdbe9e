"""Real-time credit decision service."""
