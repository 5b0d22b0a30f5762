"""Kafka consumer processes feeding the read models: offsets, idempotency, dead letters, lag."""
