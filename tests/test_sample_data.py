"""The sample data comes from a seeded generator: same seed, same bytes; every dataset present."""

from __future__ import annotations

import importlib.util

from conftest import ROOT


def _generator():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "sample_data" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generation_is_deterministic(tmp_path):
    generate = _generator().generate
    generate(tmp_path / "a", n_customers=60, seed=3)
    generate(tmp_path / "b", n_customers=60, seed=3)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (ROOT / "sample_data").glob("*.csv"))
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_the_committed_sample_matches_its_config():
    from crmctl.config import bundled_config, load_config

    config = load_config(bundled_config())
    assert {p.name for spec in config.datasets.values() for p in spec.paths} == {
        p.name for p in (ROOT / "sample_data").glob("*.csv")}
