"""The read-only web application: server-rendered pages and a JSON API over the read models and
the event store, for auditors, regulators and reporting teams. It never writes an event."""
