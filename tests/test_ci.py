"""Uncertainty in reports (issue 15): --ci intervals, change p-values, --min-n, check --significant-only.

Intervals are checked against crmctl.stats fed by a plain-Python count of the generated raw rows;
p-values against statsmodels and scipy on the report's own previous/current numbers.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections import defaultdict

import pytest

from crmctl import stats
from crmctl.config import load_config
from crmctl.report.build import build_report, with_overrides

CONFIG = """
    version: 1
    datasets:
      customers:
        path: customers.csv
        columns: {customer_id: id, segment: tier}
      surveys:
        path: surveys.csv
        columns: {customer_id: customer, responded_at: {column: at, format: "%Y-%m-%d"}, type: type, score: score}
      tickets:
        path: tickets.csv
        columns:
          ticket_id: id
          customer_id: customer
          created_at: {column: created, format: "%Y-%m-%d %H:%M"}
          resolved_at: {column: resolved, format: "%Y-%m-%d %H:%M"}
    report: {period: month, by: [segment], metrics: [nps, csat, ces, median_resolution_time, ticket_volume]}
"""
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def _generate(project, seed: int):
    """Surveys and tickets over Jan–Mar 2024 for customers in segments a and b; returns the raw rows."""
    rng = random.Random(seed)
    customers = {f"c{i}": rng.choice("ab") for i in range(40)}
    surveys, tickets = [], []
    for _ in range(400):
        customer, kind = rng.choice(list(customers)), rng.choice(list(SCALES))
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(91))
        surveys.append((customer, day, kind, rng.randint(*SCALES[kind])))
    for number in range(150):
        created = dt.datetime(2024, 1, 1) + dt.timedelta(minutes=rng.randrange(80 * 24 * 60))
        resolved = created + dt.timedelta(minutes=rng.randrange(1, 5000))
        tickets.append((f"t{number}", rng.choice(list(customers)), created, resolved))
    project.file("customers.csv", "id,tier\n" + "".join(f"{c},{s}\n" for c, s in customers.items()))
    project.file("surveys.csv", "customer,at,type,score\n" + "".join(f"{c},{d},{k},{s}\n" for c, d, k, s in surveys))
    stamp = "%Y-%m-%d %H:%M"
    project.file("tickets.csv", "id,customer,created,resolved\n" + "".join(
        f"{t},{c},{a.strftime(stamp)},{b.strftime(stamp)}\n" for t, c, a, b in tickets))
    project.config(CONFIG)
    return customers, surveys, tickets


def _report(project, **changes):
    config = load_config(project.root / "crmctl.yaml")
    return build_report(config, with_overrides(config.report, **changes)).rows


def _cells(rows, metric):
    return {(r["period_start"], r.get("segment")): r for r in rows.filter(rows["metric"] == metric).to_dicts()}


@pytest.mark.parametrize("seed", [1, 7])
def test_intervals_equal_crmctl_stats_on_counts_from_the_raw_rows(project, seed):
    customers, surveys, tickets = _generate(project, seed)
    rows = _report(project, ci=True)
    scores = defaultdict(list)  # (metric, month, segment) → scores, counted in plain Python
    for customer, day, kind, score in surveys:
        scores[(kind, day.replace(day=1), customers[customer])].append(score)
    hours = defaultdict(list)
    for _, customer, created, resolved in tickets:
        hours[(resolved.date().replace(day=1), customers[customer])].append((resolved - created).total_seconds() / 3600)
    nps, csat, ces, median = (_cells(rows, m) for m in ("nps", "csat", "ces", "median_resolution_time"))
    for (kind, month, segment), values in scores.items():
        n = len(values)
        if kind == "nps":
            expected = stats.nps_interval(sum(v >= 9 for v in values), sum(v <= 6 for v in values), n)
            got = nps[(month, segment)]
        elif kind == "csat":
            low, high = stats.wilson_interval(sum(v >= 4 for v in values), n)
            expected, got = (low, high), csat[(month, segment)]
        else:
            expected = stats.mean_interval(statistics.fmean(values), statistics.stdev(values), n)
            got = ces[(month, segment)]
        assert (got["ci_low"], got["ci_high"]) == pytest.approx(expected, rel=1e-9), (kind, month, segment)
    for key, values in hours.items():
        expected = stats.quantile_interval(values, 0.5)
        got = median[key]
        assert got["n"] == len(values)
        assert (got["ci_low"], got["ci_high"]) == pytest.approx(expected, rel=1e-9, nan_ok=True) or (
            got["ci_low"] is None and expected == pytest.approx((float("nan"),) * 2, nan_ok=True))
    assert all(r["ci_low"] is None for r in _cells(rows, "ticket_volume").values())  # a count is not a sample


def test_hand_computed_wilson_and_nps_on_a_tiny_fixture(project):
    project.file("customers.csv", "id,tier\nc1,a\n")
    # NPS: 2 promoters (10, 9), 1 passive (8), 1 detractor (3) → 25; CSAT: 3 of 4 satisfied.
    project.file("surveys.csv", "customer,at,type,score\n" + "".join(
        f"c1,2024-01-0{i + 1},{k},{s}\n" for i, (k, s) in enumerate(
            [("nps", 10), ("nps", 9), ("nps", 8), ("nps", 3), ("csat", 5), ("csat", 4), ("csat", 4), ("csat", 1)])))
    project.file("tickets.csv", "id,customer,created,resolved\n")
    project.config(CONFIG)
    rows = _report(project, ci=True, metrics=("nps", "csat"))
    nps, csat = _cells(rows, "nps"), _cells(rows, "csat")
    jan = (dt.date(2024, 1, 1), "a")
    # NPS d = 0.25, var = (0.5 + 0.25 − 0.0625)/4 = 0.171875, se = 41.458 points; ± 1.95996 × se
    assert nps[jan]["value"] == 25
    assert (nps[jan]["ci_low"], nps[jan]["ci_high"]) == pytest.approx((-56.2558, 100.0), abs=1e-3)
    # Wilson for 3/4 at 95%: statsmodels proportion_confint(3, 4, method="wilson")
    assert (csat[jan]["ci_low"], csat[jan]["ci_high"]) == pytest.approx((0.3006418426, 0.9544127392), abs=1e-9)


def test_change_p_values_match_statsmodels_and_scipy(project):
    from scipy.stats import ttest_ind_from_stats
    from statsmodels.stats.proportion import proportions_ztest

    _generate(project, 3)
    rows = _report(project, compare="previous", by=())
    checked = 0
    for r in rows.filter(rows["p_value"].is_not_null()).to_dicts():
        before = rows.filter((rows["metric"] == r["metric"]) & (rows["value"] == r["previous"])).to_dicts()[0]
        if r["metric"] == "csat":
            counts = [r["numerator"], before["numerator"]], [r["denominator"], before["denominator"]]
            expected = proportions_ztest(*counts)[1]
            assert r["p_value"] == pytest.approx(expected, rel=1e-9)
            checked += 1
        assert r["significant"] == (r["p_value"] < 0.05)
    assert checked == 2  # February and March
    ces = _cells(_report(project, compare="previous", by=(), ci=True), "ces")
    # Welch from the report's own summary: recover sd from the t-interval's half-width.
    from scipy.stats import t

    def sd(row):
        return (row["ci_high"] - row["value"]) / t.ppf(0.975, row["n"] - 1) * row["n"] ** 0.5

    feb, mar = ces[(dt.date(2024, 2, 1), None)], ces[(dt.date(2024, 3, 1), None)]
    expected = ttest_ind_from_stats(mar["value"], sd(mar), mar["n"], feb["value"], sd(feb), feb["n"], equal_var=False)
    assert mar["p_value"] == pytest.approx(expected.pvalue, rel=1e-6)


def test_min_n_nulls_sampled_values_with_the_note_but_keeps_counts(cli, project):
    _generate(project, 5)
    result = cli("report", "-c", str(project.root / "crmctl.yaml"), "--min-n", "1000", "--format", "json")
    rows = result.json()["rows"]
    nps = [r for r in rows if r["metric"] == "nps"]
    assert nps and all(r["value"] is None and r["note"] == "n < 1000" for r in nps)
    volume = [r for r in rows if r["metric"] == "ticket_volume"]
    assert all(r["value"] is not None and r["note"] is None for r in volume)


def test_json_and_csv_carry_ci_and_tests_only_when_asked(cli, project):
    _generate(project, 5)
    config = str(project.root / "crmctl.yaml")
    plain = cli("report", "-c", config, "--format", "json").json()["rows"][0]
    assert not {"ci_low", "ci_high", "p_value", "significant"} & set(plain)
    both = cli("report", "-c", config, "--format", "json", "--ci", "--compare", "previous").json()["rows"][0]
    columns = list(both)
    assert columns[columns.index("note") + 1:][:7] == ["previous", "change", "change_ratio", "p_value", "significant",
                                                        "ci_low", "ci_high"]
    header = cli("report", "-c", config, "--format", "csv", "--ci").stdout.splitlines()[0]
    assert header.endswith("n,note,ci_low,ci_high")


def test_table_shows_margins_marks_and_footnotes(cli, project):
    _generate(project, 5)
    config = str(project.root / "crmctl.yaml")
    text = cli("report", "-c", config, "-m", "csat", "--ci", "--by", "").stdout
    assert "±" in text and "± margin of the 95% confidence interval" in text
    few = cli("report", "-c", config, "-m", "nps").stdout
    assert "†" in few and "† n < 30: too few observations to rely on" in few


def test_the_sample_report_no_longer_presents_one_response_as_a_fact(cli):
    text = cli("report", "-m", "nps", "--period", "quarter").stdout
    assert "100.0†" in text  # Enterprise NPS in 2024 Q1: one response
    assert "† n < 30" in text


def test_config_min_n_and_confidence(project):
    _generate(project, 5)
    path = project.root / "crmctl.yaml"
    path.write_text(path.read_text().replace("report: {", "report: {min_n: 5, confidence: 0.9, "))
    config = load_config(path)
    assert (config.report.min_n, config.report.confidence) == (5, 0.9)
    result = build_report(config, with_overrides(config.report, ci=True, metrics=("csat",), by=()))
    assert (result.min_n, result.confidence) == (5, 0.9)
    row = result.rows.to_dicts()[0]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(stats.wilson_interval(row["numerator"], row["denominator"],
                                                                                   0.9))


def test_bad_confidence_is_a_config_error(project):
    from crmctl.errors import ConfigError

    _generate(project, 5)
    path = project.root / "crmctl.yaml"
    path.write_text(path.read_text().replace("report: {", "report: {confidence: 95, min_n: -1, "))
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "report.confidence: must be between 0 and 1 (exclusive), e.g. 0.95; got 95" in error.value.problems
    assert "report.min_n: must be a whole number ≥ 0 (0 dims nothing), e.g. 30; got -1" in error.value.problems


def _csat_project(project, satisfied: int, total: int):
    project.file("customers.csv", "id,tier\nc1,a\n")
    project.file("surveys.csv", "customer,at,type,score\n" + "".join(
        f"c1,2024-01-{1 + i % 28:02d},csat,{5 if i < satisfied else 2}\n" for i in range(total)))
    project.file("tickets.csv", "id,customer,created,resolved\n")
    project.config(CONFIG.replace("    report:", "    targets: {csat: {min: 0.9}}\n    report:"))
    return str(project.root / "crmctl.yaml")


def test_check_significant_only_forgives_a_miss_within_noise(cli, project):
    config = _csat_project(project, 4, 5)  # 80% of 5; Wilson 95%: 37.6%…96.4% holds 90%
    plain = cli("check", "-c", config)
    assert plain.exit_code == 1 and plain.stdout.startswith("MISSED: csat segment=a 2024-01-01..2024-01-31: 80.0%")
    forgiving = cli("check", "-c", config, "--significant-only")
    assert forgiving.exit_code == 0
    assert forgiving.stdout == ("WITHIN NOISE: csat segment=a 2024-01-01..2024-01-31: 80.0% "
                                "(target min 90.0%, 37.6%…96.4% CI)\n")


def test_check_significant_only_still_fails_a_clear_miss(cli, project):
    config = _csat_project(project, 100, 200)  # 50% of 200: the interval is far below 90%
    result = cli("check", "-c", config, "--significant-only", "-f", "json")
    assert result.exit_code == 1
    verdict = result.json()["results"][0]
    assert verdict["status"] == "missed" and verdict["ci_high"] < 0.9


def _plain_order_statistic_interval(values, q: str, confidence: str):
    """The distribution-free quantile interval from scratch, in exact fractions: the count of observations
    below the true q-quantile is Binomial(n, q); lo − 1 is the largest j with F(j) ≤ α/2, hi − 1 the smallest
    j with F(j) ≥ 1 − α/2; (None, None) when either rank falls outside 1…n."""
    from fractions import Fraction
    from math import comb

    data, n, p = sorted(values), len(values), Fraction(q)
    tail = (1 - Fraction(confidence)) / 2
    cdf, total = [], Fraction(0)
    for j in range(n + 1):
        total += comb(n, j) * p**j * (1 - p) ** (n - j)
        cdf.append(total)
    below = [j for j in range(n + 1) if cdf[j] <= tail]
    above = [j for j in range(n + 1) if cdf[j] >= 1 - tail]
    lo, hi = (below[-1] + 1 if below else 0), above[0] + 1
    return (None, None) if lo < 1 or hi > n else (data[lo - 1], data[hi - 1])


@pytest.mark.parametrize(("seed", "confidence"), [(3, "0.95"), (11, "0.9")])
def test_median_and_p90_intervals_equal_a_plain_binomial_computation(project, seed, confidence):
    """median_resolution_time and p90_resolution_time: ci_low/ci_high are the order statistics at the
    binomial ranks of each month × segment's raw resolution times (some cells too small for a p90 interval)."""
    customers, _, tickets = _generate(project, seed)
    rng = random.Random(seed)
    extra = []
    for number in range(150, 420):  # enough tickets for p90 intervals (n ≥ 36 at 95%) in most cells
        created = dt.datetime(2024, 1, 1) + dt.timedelta(minutes=rng.randrange(80 * 24 * 60))
        extra.append((f"t{number}", rng.choice(list(customers)), created,
                      created + dt.timedelta(minutes=rng.randrange(1, 9000))))
    tickets = tickets + extra
    stamp = "%Y-%m-%d %H:%M"
    project.file("tickets.csv", "id,customer,created,resolved\n" + "".join(
        f"{t},{c},{a.strftime(stamp)},{b.strftime(stamp)}\n" for t, c, a, b in tickets))
    rows = _report(project, ci=True, confidence=float(confidence),
                   metrics=("median_resolution_time", "p90_resolution_time"))
    hours = defaultdict(list)
    for _, customer, created, resolved in tickets:
        hours[(resolved.date().replace(day=1), customers[customer])].append((resolved - created).total_seconds() / 3600)
    checked = {"0.5": 0, "0.9": 0}
    for metric, q in (("median_resolution_time", "0.5"), ("p90_resolution_time", "0.9")):
        cells = _cells(rows, metric)
        for key, values in hours.items():
            low, high = _plain_order_statistic_interval(values, q, confidence)
            got = cells[key]
            assert got["n"] == len(values), (metric, key)
            assert (got["ci_low"], got["ci_high"]) == (pytest.approx(low, abs=1e-9) if low is not None else None,
                                                       pytest.approx(high, abs=1e-9) if high is not None else None)
            checked[q] += low is not None
    assert checked["0.5"] == len(hours) and 0 < checked["0.9"]  # every median cell, and real p90 intervals


def test_median_interval_by_hand_five_and_six_tickets(project):
    """Binomial(6, ½): F(0) = 1/64 ≤ 0.025 and F(5) = 63/64 ≥ 0.975, so the 95% interval is (min, max);
    with 5 tickets F(0) = 1/32 > 0.025: no 95% interval exists (null, never a fake one)."""
    project.file("customers.csv", "id,tier\nc1,a\nc2,b\n")
    project.file("surveys.csv", "customer,at,type,score\n")
    hours = {"a": [1, 2, 3, 4, 5, 10], "b": [1, 2, 3, 4, 5]}
    project.file("tickets.csv", "id,customer,created,resolved\n" + "".join(
        f"{segment}{i},c{1 if segment == 'a' else 2},2024-01-02 00:00,2024-01-02 {h:02d}:00\n"
        for segment, values in hours.items() for i, h in enumerate(values)))
    project.config(CONFIG)
    cells = _cells(_report(project, ci=True, metrics=("median_resolution_time",)), "median_resolution_time")
    jan = dt.date(2024, 1, 1)
    assert (cells[(jan, "a")]["ci_low"], cells[(jan, "a")]["ci_high"]) == (1.0, 10.0)
    assert cells[(jan, "a")]["value"] == 3.5
    assert (cells[(jan, "b")]["ci_low"], cells[(jan, "b")]["ci_high"]) == (None, None)


def test_metrics_catalogue_names_each_interval_method(cli):
    body = {r["name"]: r for r in cli("metrics", "-f", "json").json()}
    assert [body[m]["interval"] for m in ("csat", "nps", "ces", "median_resolution_time", "p90_resolution_time",
                                          "revenue")] == ["Wilson", "trinomial normal", "Student t",
                                                          "order statistics", "order statistics", "none"]
    assert cli("metrics", "churn_rate", "-f", "json").json()[0]["interval"] == "Wilson"


def test_html_report_shows_margins_and_marks_with_ci(cli, project):
    """Each HTML cell reads as the text table's (value ±margin, † below min_n) and carries the JSON's bounds."""
    import re

    _generate(project, 5)
    config = str(project.root / "crmctl.yaml")
    page = cli("report", "-c", config, "-m", "csat,nps", "--ci", "-f", "html").stdout
    rows = cli("report", "-c", config, "-m", "csat,nps", "--ci", "-f", "json").json()["rows"]
    cells = re.findall(r'<td class="num[^"]*" data-metric="(\w+)" data-period="([\d-]+)" data-value="[^"]*"'
                       r'(?: data-ci-low="([^"]*)" data-ci-high="([^"]*)")?[^>]*>([^<]*)</td>', page)
    assert cells and any("±" in text for *_, text in cells) and any(text.endswith("†") for *_, text in cells)
    lows = sorted(float(low) for _, _, low, _, _ in cells if low)
    assert lows == pytest.approx(sorted(r["ci_low"] for r in rows if r["ci_low"] is not None), abs=1e-9)
    for metric, _, low, high, text in cells:
        if low and metric == "csat":  # ±, in points, is the larger distance to a bound
            value = float(text.split(" ±")[0].rstrip("%"))
            assert float(text.split("±")[1].rstrip("†")) == pytest.approx(
                max(value - float(low) * 100, float(high) * 100 - value), abs=0.1)
    assert "± margin of the 95% confidence interval (the larger side)" in page
    plain = cli("report", "-c", config, "-m", "csat,nps", "-f", "html").stdout
    assert "±" not in plain and "data-ci-low" not in plain
    # Without --ci a small sample is still marked, as in the text table: a single response is no fact.
    small = re.findall(r'<td class="num small"[^>]*>([^<]*)</td>', plain)
    assert small and all(text.endswith("†") for text in small) and "† n &lt; 30" in plain


def test_wide_layout_keeps_each_sampled_metrics_bounds(cli, project):
    _generate(project, 5)
    config = str(project.root / "crmctl.yaml")
    args = ("report", "-c", config, "-m", "csat,ticket_volume,median_resolution_time", "--ci", "-f", "json")
    long = cli(*args).json()["rows"]
    wide = cli(*args, "--layout", "wide").json()["rows"]
    assert list(wide[0]) == ["period_start", "period_end", "segment", "csat", "csat_ci_low", "csat_ci_high",
                             "ticket_volume", "median_resolution_time", "median_resolution_time_ci_low",
                             "median_resolution_time_ci_high"]  # a count has no interval: no bounds columns
    by_key = {(r["period_start"], r["segment"]): r for r in wide}
    for r in long:
        if r["metric"] != "ticket_volume":
            row = by_key[(r["period_start"], r["segment"])]
            assert (row[r["metric"]], row[f"{r['metric']}_ci_low"], row[f"{r['metric']}_ci_high"]) == (
                r["value"], r["ci_low"], r["ci_high"])
    plain = cli("report", "-c", config, "-m", "csat", "-f", "csv", "--layout", "wide").stdout
    assert plain.splitlines()[0] == "period_start,period_end,segment,csat"
