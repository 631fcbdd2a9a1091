"""crmctl: customer metrics from CRM export files.

The library is usable without the CLI::

    from crmctl import load_config, build_report
    result = build_report(load_config("crmctl.yaml"))
    result.rows  # a polars DataFrame in the tidy result contract (docs/cli.md)
"""

from crmctl.version import __version__

__all__ = ["__version__", "load_config", "build_report"]


def __getattr__(name: str):
    # Lazy so `crmctl --help` never pays for importing Polars.
    if name == "load_config":
        from crmctl.config import load_config

        return load_config
    if name == "build_report":
        from crmctl.report.build import build_report

        return build_report
    raise AttributeError(name)
