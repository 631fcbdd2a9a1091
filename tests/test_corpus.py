"""crmctl's reader against the corpus of polluted exports, scored cell by cell, beside DuckDB's sniffer.

The score's definition is in corpus_scoring.py; the per-case table is SCORES.md
(`python tests/data/corpus/write_scores.py`).
"""

from __future__ import annotations

import pytest

from corpus_scoring import cases, read_crmctl, read_duckdb, score
from crmctl.errors import DataError
from crmctl.read.clean import FailedFile, clean_exports

FLOOR = 0.99  # mean per-case score recorded when the corpus was built (0.9988); a drop is a regression
READABLE = [c for c in cases() if c.clean is not None]
REFUSED = [c for c in cases() if c.clean is None]


def test_the_corpus_has_the_cases_the_issue_asks_for():
    assert len(READABLE) >= 25 and len(REFUSED) >= 2


@pytest.mark.parametrize("case", READABLE, ids=lambda c: c.name)
def test_never_silently_garbage(case):
    """Either the clean table comes back whole, or a warning says what went wrong and where."""
    rows, summary = read_crmctl(case.polluted)
    if score(case.clean, rows) < 1.0:
        assert summary.warnings, f"{case.name}: a different table with no warning"


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.name)
def test_unreadable_files_are_refused_with_a_reason(case, tmp_path):
    with pytest.raises(DataError, match=case.error):
        read_crmctl(case.polluted)
    [failed] = clean_exports([case.polluted], tmp_path)
    assert isinstance(failed, FailedFile) and case.error in failed.error
    assert not list(tmp_path.iterdir())


def test_crmctl_scores_above_the_floor_and_at_least_duckdb():
    ours = [score(c.clean, read_crmctl(c.polluted)[0]) for c in READABLE]
    duck = [score(c.clean, read_duckdb(c.polluted)) for c in READABLE]
    mean_ours, mean_duck = sum(ours) / len(ours), sum(duck) / len(duck)
    assert mean_ours >= FLOOR
    assert mean_ours >= mean_duck
    # Not a lucky average: no case where DuckDB gets back more of the table than crmctl.
    worse = [c.name for c, a, b in zip(READABLE, ours, duck) if a < b]
    assert not worse


def test_score_counts_shifted_columns_and_extra_rows_as_wrong():
    clean = [("id", "name"), ("1", "Ann"), ("2", "Bo")]
    assert score(clean, clean) == 1.0
    assert score(clean, [("id", "name"), ("", "1"), ("", "2")]) == pytest.approx(2 / 6)  # shifted right
    assert score(clean, [("id", "name"), ("1", "Ann"), ("2", "Bo"), ("Total", "2")]) == pytest.approx(6 / 8)
    assert score(clean, [("id", "name"), ("2", "Bo")]) == pytest.approx(4 / 6)  # a dropped row shifts nothing
    assert score(clean, None) == 0.0
