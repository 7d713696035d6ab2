"""Prometheus metrics: requests by route and status, latency, jobs by state, alerts by level."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from fentrace.service.models import JOB_STATES, Alert, Job

if TYPE_CHECKING:
    from fentrace.service.core import Service

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class _StoredCounts(Collector):
    """Jobs by state and alerts by level, counted in the database at scrape time."""

    def __init__(self, service: Service) -> None:
        self._service = service

    def collect(self) -> Iterator[GaugeMetricFamily]:
        jobs = GaugeMetricFamily(
            "fentrace_jobs", "Manifest screening jobs by state", labels=["state"]
        )
        alerts = GaugeMetricFamily("fentrace_alerts", "Stored alerts by level", labels=["level"])
        with self._service.sessions() as session:
            by_state = dict(
                session.execute(select(Job.state, func.count()).group_by(Job.state)).all()
            )
            by_level = dict(
                session.execute(select(Alert.level, func.count()).group_by(Alert.level)).all()
            )
        for state in JOB_STATES:
            jobs.add_metric([state], float(by_state.get(state, 0)))
        for level in ("high", "medium", "low"):
            alerts.add_metric([level], float(by_level.get(level, 0)))
        yield jobs
        yield alerts


class Metrics:
    """The registry of one app (not the global one, so several apps can live in one process)."""

    def __init__(self, service: Service) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "fentrace_http_requests",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "fentrace_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_StoredCounts(service))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
