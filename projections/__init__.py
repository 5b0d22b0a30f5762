"""Folds of published events into read models. Fed from Kafka by consumers/, and straight
from the event store when an auditor rebuilds: the same `apply` either way."""
