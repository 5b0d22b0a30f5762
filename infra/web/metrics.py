"""Prometheus metrics: request counts and latencies per route, and where the pipeline stands
(events stored, published by the relay, applied to the read model)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.audit import EVENT_STORE_SOURCE
from claims_ledger.infra.relay_book import relay_position
from claims_ledger.infra.store import ReadModel


class PipelineCollector(Collector):
    """Read at each scrape: the event store's last notification, the relay's position, and the
    read model's event count (its lag behind the store)."""

    def __init__(self, ledger: Callable[[], Ledger], read_model: Callable[[], ReadModel]) -> None:
        self._ledger = ledger
        self._read_model = read_model

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            ledger, read_model = self._ledger(), self._read_model()
            stored = ledger.recorder.max_notification_id() or 0
            relay = relay_position(ledger)
            applied = read_model.event_count()
            rebuilt = read_model.position(EVENT_STORE_SOURCE) or 0
        except Exception:  # a scrape must not fail because a store is down: /healthz says so
            return
        yield GaugeMetricFamily(
            "ledger_event_store_position", "Last notification id in the event store", value=stored
        )
        yield GaugeMetricFamily(
            "ledger_relay_position", "Last notification id the relay published", value=relay
        )
        yield GaugeMetricFamily(
            "ledger_read_model_events", "Events applied to the read model", value=applied
        )
        yield GaugeMetricFamily(
            "ledger_read_model_rebuild_position",
            "Last notification id folded straight from the event store (rebuild)",
            value=rebuilt,
        )
        yield GaugeMetricFamily(
            "ledger_read_model_lag_events",
            "Events stored but not yet in the read model",
            value=max(stored - applied, 0),
        )


class WebMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ledger_web_requests",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "ledger_web_request_duration_seconds",
            "Time to serve a request",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
