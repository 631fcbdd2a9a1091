"""A config's custom metric (crmctl.config.custom_metrics parses it) as a Metric declaration over the metrics it uses."""

from __future__ import annotations

from crmctl.config.custom_metrics import CustomSpec, names, to_polars
from crmctl.metrics.metric import Metric


def custom_metric(spec: CustomSpec, registry: dict):
    """The Metric a custom spec declares; `registry` resolves what it uses."""
    used = tuple(sorted(names(spec.node)))
    requires = tuple(dict.fromkeys(r for u in used for r in registry[u].requires)) if used else ()

    def derive(ctx, results):
        import polars as pl

        frame = None
        for name in used:
            part = results[name].select(*ctx.keys, pl.col("value").alias(name))
            frame = part if frame is None else frame.join(part, on=ctx.keys, how="left", nulls_equal=True)
        return frame.select(*ctx.keys, numerator=to_polars(spec.node), n=pl.lit(0))

    return Metric(
        name=spec.name, title=spec.title, family="custom", unit=spec.unit, kind="total",
        higher_is_better=spec.higher_is_better, requires=requires, derive=derive, depends_on=used,
        numerator=spec.expression,
        description=spec.description or f"User-defined: {spec.expression} (from the config's custom_metrics).",
    )
