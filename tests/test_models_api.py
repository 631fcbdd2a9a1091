"""crmctl.models: every public name resolves, ModelError maps to a data error, imports stay lazy."""

from __future__ import annotations

import subprocess
import sys

import pytest

import crmctl.models as models
from crmctl.errors import DataError, ExitCode


def test_every_public_name_resolves():
    for name in models.__all__:
        assert getattr(models, name) is not None, name
    with pytest.raises(AttributeError):
        models.no_such_model  # noqa: B018


def test_model_error_is_a_data_error():
    assert issubclass(models.ModelError, DataError) and models.ModelError("x").exit_code == ExitCode.DATA


def test_importing_the_package_does_not_load_numpy_or_scipy():
    code = "import sys, crmctl.models; print('numpy' in sys.modules, 'scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
