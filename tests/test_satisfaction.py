"""CSAT, NPS and CES on hand-computed fixtures, plus a plain-Python differential test."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from crmctl.config import load_config
from crmctl.report.build import build_report, with_overrides

SURVEYS = """
    datasets:
      customers: {path: customers.csv, columns: {customer_id: id, segment: tier}}
      surveys:
        path: surveys.csv
        max_invalid_ratio: 0.5
        columns:
          customer_id: who
          responded_at: {column: when, format: "%Y-%m-%d"}
          type: {column: kind, values: {Net Promoter: nps, NPS: nps, CSAT: csat, CES: ces}}
          score: score
    definitions: {csat_scale: [1, 5], csat_satisfied_min: 4, ces_scale: [1, 7]}
"""


def _by_period(result, metric):
    return {r["period_start"].strftime("%Y-%m"): r for r in result.rows.filter(metric=metric).to_dicts()}


@pytest.fixture
def surveys(project):
    project.file("customers.csv", "id,tier\na,gold\nb,silver\n")
    project.file("surveys.csv", """
        who,when,kind,score
        a,2024-01-03,NPS,10
        b,2024-01-04,Net Promoter,9
        a,2024-01-05,NPS,8
        b,2024-01-06,NPS,6
        a,2024-01-07,NPS,0
        b,2024-01-08,NPS,11
        a,2024-01-09,CSAT,5
        b,2024-01-10,CSAT,4
        a,2024-01-11,CSAT,3
        b,2024-01-12,CSAT,1
        a,2024-01-13,CSAT,0
        a,2024-01-14,CES,1
        b,2024-01-15,CES,7
        a,2024-01-16,CES,8
        a,2024-03-01,NPS,7
    """)
    project.config(SURVEYS)
    return project


def test_nps_with_scale_bounds_and_an_off_scale_score(surveys):
    result = build_report(load_config(surveys.root / "crmctl.yaml"))
    jan = _by_period(result, "nps")["2024-01"]
    # Promoters 10, 9; passive 8; detractors 6, 0; 11 is off the 0–10 scale.
    assert (jan["numerator"], jan["denominator"], jan["value"]) == (0.0, 5.0, 0.0)
    assert jan["n"] == 5 and jan["note"] == "1 responses outside the scale excluded"
    assert _by_period(result, "nps_promoters")["2024-01"]["value"] == pytest.approx(0.4)
    assert _by_period(result, "nps_passives")["2024-01"]["value"] == pytest.approx(0.2)
    assert _by_period(result, "nps_detractors")["2024-01"]["value"] == pytest.approx(0.4)
    march = _by_period(result, "nps")["2024-03"]
    assert (march["value"], march["denominator"]) == (0.0, 1.0)  # a lone passive


def test_csat_counts_scores_at_the_threshold(surveys):
    jan = _by_period(build_report(load_config(surveys.root / "crmctl.yaml")), "csat")["2024-01"]
    # 5 and 4 satisfied; 3 and 1 not; 0 is off the 1–5 scale.
    assert (jan["numerator"], jan["denominator"]) == (2.0, 4.0)
    assert jan["value"] == pytest.approx(0.5)


def test_ces_is_the_mean_of_on_scale_scores(surveys):
    jan = _by_period(build_report(load_config(surveys.root / "crmctl.yaml")), "ces")["2024-01"]
    assert jan["value"] == pytest.approx(4.0) and jan["n"] == 2
    assert jan["note"] == "1 responses outside the scale excluded"


def test_empty_period_is_null_with_a_reason(surveys):
    result = build_report(load_config(surveys.root / "crmctl.yaml"))
    feb = _by_period(result, "csat")["2024-02"]
    assert feb["value"] is None and feb["note"] == "no CSAT responses in the period"
    assert _by_period(result, "csat")["2024-03"]["value"] is None


def test_segments_split_responses(surveys):
    config = load_config(surveys.root / "crmctl.yaml")
    rows = build_report(config, with_overrides(config.report, by=("segment",), metrics=("nps",))).rows
    jan = {r["segment"]: r["value"] for r in rows.filter(period_start=dt.date(2024, 1, 1)).to_dicts()}
    # gold (a): 10, 8, 0 -> (1 − 1)/3 = 0; silver (b): 9, 6 (11 off scale) -> (1 − 1)/2 = 0
    assert jan == {"gold": 0.0, "silver": 0.0}


def test_configurable_scale_and_threshold(surveys):
    (surveys.root / "crmctl.yaml").write_text((surveys.root / "crmctl.yaml").read_text().replace(
        "csat_scale: [1, 5], csat_satisfied_min: 4", "csat_scale: [0, 10], csat_satisfied_min: 3"))
    jan = _by_period(build_report(load_config(surveys.root / "crmctl.yaml")), "csat")["2024-01"]
    assert (jan["numerator"], jan["denominator"]) == (3.0, 5.0)


def test_wide_file_with_one_column_per_survey(project):
    project.file("wide.csv", """
        customer,date,nps_score,csat_score,ces_score
        a,2024-01-03,10,5,
        b,2024-01-04,3,,6
        c,2024-01-05,,2,
    """)
    config = project.load("""
        datasets:
          surveys:
            path: wide.csv
            columns: {customer_id: customer, responded_at: date, nps_score: nps_score, csat_score: csat_score,
                      ces_score: ces_score}
    """)
    result = build_report(config, with_overrides(config.report, metrics=("nps", "csat", "ces")))
    values = {r["metric"]: (r["value"], r["n"]) for r in result.rows.to_dicts()}
    assert values == {"nps": (0.0, 2), "csat": (0.5, 2), "ces": (6.0, 1)}
    assert result.datasets["surveys"].rows_used == 3


def _plain(responses, scale, satisfied_min):
    """The textbook definitions, month by month, in plain Python."""
    out = {}
    for month in sorted({r[1].strftime("%Y-%m") for r in responses}):
        rows = [r for r in responses if r[1].strftime("%Y-%m") == month]
        nps = [s for _, _, t, s in rows if t == "nps" and 0 <= s <= 10]
        csat = [s for _, _, t, s in rows if t == "csat" and scale[0] <= s <= scale[1]]
        ces = [s for _, _, t, s in rows if t == "ces" and 1 <= s <= 7]
        out[month] = {
            "nps": (100 * (sum(s >= 9 for s in nps) - sum(s <= 6 for s in nps)) / len(nps)) if nps else None,
            "csat": sum(s >= satisfied_min for s in csat) / len(csat) if csat else None,
            "ces": sum(ces) / len(ces) if ces else None,
        }
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_satisfaction_matches_plain_python(project, seed):
    rng = random.Random(seed)
    responses = [(f"c{rng.randint(1, 9)}", dt.datetime(2024, 1, 1) + dt.timedelta(hours=rng.randint(0, 24 * 200)),
                  rng.choice(["nps", "csat", "ces"]), rng.randint(-1, 12)) for _ in range(rng.randint(5, 300))]
    project.file("s.csv", "who,when,kind,score\n" + "".join(
        f"{c},{t:%Y-%m-%d %H:%M},{k},{s}\n" for c, t, k, s in responses))
    config = project.load("""
        datasets:
          surveys: {path: s.csv, columns: {customer_id: who, responded_at: when, type: kind, score: score}}
    """)
    result = build_report(config, with_overrides(config.report, metrics=("nps", "csat", "ces")))
    expected = _plain(responses, (1, 5), 4)
    for row in result.rows.to_dicts():
        want = expected.get(row["period_start"].strftime("%Y-%m"), {}).get(row["metric"])
        assert row["value"] == (pytest.approx(want) if want is not None else None), row
