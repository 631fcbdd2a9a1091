"""DuckDB SQL for the nine core metrics, monthly by segment, written from a crmctl config's column mapping.

The same statements run on the sample-shaped exports (benchmarks/run.py's generator) and on the export-style
set of /work/shared/bench (gen_synth.py, crm.yaml): column names, date formats, survey labels and the orders'
`where:` come from the config. Active customers: with subscriptions mapped, customers with a subscription
running at each month's end (crmctl's subscription model); else customers with an order in the
`churn_after_days` before it (the transactional model's count, without its spells: the same work of
reading and grouping every order by customer, which is what the benchmark weighs).
"""

from __future__ import annotations

from crmctl.config import Config

DEFAULT_CHURN_DAYS = 90


def statements(config: Config) -> list[str]:
    sets = config.datasets
    parts = [_customers(config), _orders(config),
             "SELECT month, c.segment, sum(amount), count(*), sum(amount) / count(*)\n"
             "  FROM orders o LEFT JOIN customers c ON c.id = o.customer GROUP BY ALL"]
    parts += _subscription_active(config) if "subscriptions" in sets else _order_active(config)
    if "surveys" in sets:
        parts.append(_surveys(config))
    if "tickets" in sets:
        parts.append(_tickets(config))
    return parts


def _col(config: Config, dataset: str, field: str) -> str:
    return '"' + config.datasets[dataset].columns[field].column.replace('"', '""') + '"'


def _file(config: Config, dataset: str) -> str:
    return f"read_csv('{config.datasets[dataset].paths[0]}', all_varchar=true)"


def _time(config: Config, dataset: str, field: str) -> str:
    column = config.datasets[dataset].columns[field]
    name = _col(config, dataset, field)
    if column.format:
        return f"strptime({name}, '{column.format}')"
    return f"CAST({name} AS TIMESTAMPTZ)"  # ISO stamps with a zone ("Z"), as crmctl detects them


def _customers(config: Config) -> str:
    return (f"CREATE TEMP TABLE customers AS SELECT {_col(config, 'customers', 'customer_id')} AS id, "
            f"{_col(config, 'customers', 'segment')} AS segment FROM {_file(config, 'customers')}")


def _orders(config: Config) -> str:
    where = config.datasets["orders"].where
    wanted = " AND ".join(f"{_col(config, 'orders', f)} IN ({', '.join(repr(v) for v in values)})"
                          for f, values in where.items()) or "true"
    return (f"CREATE TEMP TABLE orders AS SELECT {_col(config, 'orders', 'customer_id')} AS customer,\n"
            f"    {_time(config, 'orders', 'ordered_at')} AS ts,\n"
            f"    date_trunc('month', {_time(config, 'orders', 'ordered_at')}) AS month,\n"
            f"    CAST(replace({_col(config, 'orders', 'amount')}, ',', '') AS DOUBLE) AS amount\n"
            f"  FROM {_file(config, 'orders')} WHERE {wanted}")


def _subscription_active(config: Config) -> list[str]:
    return [f"CREATE TEMP TABLE subs AS SELECT {_col(config, 'subscriptions', 'customer_id')} AS customer, "
            f"CAST({_col(config, 'subscriptions', 'started_at')} AS TIMESTAMP) AS s, "
            f"CAST({_col(config, 'subscriptions', 'ended_at')} AS TIMESTAMP) AS e "
            f"FROM {_file(config, 'subscriptions')}",
            "WITH months AS (SELECT DISTINCT month FROM orders)\n"
            "SELECT m.month, c.segment, count(DISTINCT subs.customer)\n"
            "  FROM months m JOIN subs ON subs.s < m.month + INTERVAL 1 MONTH\n"
            "   AND coalesce(subs.e, TIMESTAMP '9999-01-01') >= m.month + INTERVAL 1 MONTH\n"
            "  LEFT JOIN customers c ON c.id = subs.customer GROUP BY ALL"]


def _order_active(config: Config) -> list[str]:
    """A customer is active at a month's end when an order of theirs came in the `churn_after_days` before it:
    each customer's last order of a month counts for that month and each following one whose end it
    reaches: linear work, where a range join of months against customer-months is not."""
    days = int(config.definitions.get("churn_after_days", DEFAULT_CHURN_DAYS))
    return ["WITH last AS (SELECT customer, month, max(ts) AS ts FROM orders GROUP BY ALL),\n"
            "  reach AS (SELECT customer, unnest(generate_series(month, date_trunc('month', ts + INTERVAL "
            f"{days} DAY - INTERVAL 1 MONTH), INTERVAL 1 MONTH)) AS month FROM last)\n"
            "SELECT r.month, c.segment, count(DISTINCT r.customer)\n"
            "  FROM reach r LEFT JOIN customers c ON c.id = r.customer\n"
            "  WHERE r.month <= (SELECT max(month) FROM orders) GROUP BY ALL"]


def _label(config: Config, canonical: str) -> str:
    values = config.datasets["surveys"].columns["type"].values
    return next((raw for raw, mapped in values.items() if mapped == canonical), canonical)


def _surveys(config: Config) -> str:
    kind = _col(config, "surveys", "type")
    nps, csat = _label(config, "nps"), _label(config, "csat")
    return (f"SELECT date_trunc('month', {_time(config, 'surveys', 'responded_at')}) AS month, c.segment,\n"
            f"    100.0 * (count(*) FILTER (WHERE {kind} = '{nps}' AND v >= 9)"
            f" - count(*) FILTER (WHERE {kind} = '{nps}' AND v <= 6))\n"
            f"      / count(*) FILTER (WHERE {kind} = '{nps}') AS nps,\n"
            f"    count(*) FILTER (WHERE {kind} = '{csat}' AND v >= 4) / count(*) FILTER (WHERE {kind} = '{csat}')\n"
            f"  FROM (SELECT *, CAST({_col(config, 'surveys', 'score')} AS DOUBLE) AS v "
            f"FROM {_file(config, 'surveys')}) s\n"
            f"  LEFT JOIN customers c ON c.id = s.{_col(config, 'surveys', 'customer_id')} GROUP BY ALL")


def _tickets(config: Config) -> str:
    created, solved = _time(config, "tickets", "created_at"), _time(config, "tickets", "resolved_at")
    solved_col, replies = _col(config, "tickets", "resolved_at"), _col(config, "tickets", "contacts")
    return (f"SELECT date_trunc('month', {created}) AS month, c.segment, count(*) AS volume,\n"
            f"    count(*) FILTER (WHERE {solved_col} IS NOT NULL AND {replies} = '1')\n"
            f"      / nullif(count(*) FILTER (WHERE {solved_col} IS NOT NULL AND {replies} <> '0'), 0) AS fcr,\n"
            f"    avg(epoch({solved} - {created}) / 3600) AS hours\n"
            f"  FROM {_file(config, 'tickets')} t\n"
            f"  LEFT JOIN customers c ON c.id = t.{_col(config, 'tickets', 'customer_id')} GROUP BY ALL")
