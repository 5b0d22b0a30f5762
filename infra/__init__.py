"""Wiring: event store, Kafka relay, embedded broker, settings, logging, command line."""
