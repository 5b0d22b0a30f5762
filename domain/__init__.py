"""The claims ledger's domain: aggregates, events, rules, the published envelope.

Pure: nothing here touches Kafka, a database driver, logging or the wall clock.
"""
