"""Runtimes that drive the processing core: Kafka, and in memory."""
