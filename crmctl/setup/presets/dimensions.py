"""The customers' columns `crmctl init` maps as dimensions beyond the preset's, judged by their values.

`crmctl drivers` and `--by` can only use what the config maps: a snapshot export such as IBM's Telco
(contract, internet service, payment method, tenure, charges … in 19 columns) is worth little with two
of them. A column is a plausible dimension when its sampled values repeat (a category: at most
MAX_LEVELS distinct values) or are numbers (drivers bins them in quintiles), and it is not an id, a
name, a contact detail, free text or a date.
"""

from __future__ import annotations

import re

from crmctl.errors import DataError

MIN_SAMPLE = 20  # fewer sampled rows say nothing about how a column's values repeat
MAX_LEVELS = 20
# Numbers and codes that identify or reach a person: a category of few values cannot be one, so only
# number-like columns need this (names, e-mails and free text have too many values to pass).
_PERSONAL = re.compile(r"(^|_)(id|ids|key|uuid|guid|zip|zipcode|postal|postcode|postal_code)$|"
                       r"(^|_)(phone|mobile|fax|telephone)(_number|_no)?$|e_?mail")
# A person's or a company's name: a sample can repeat a few first names ("Ana", "Ben"), but a name is not a group.
_NAME = re.compile(r"^(first|last|full|given|family|middle|contact|customer|company|account|display|user|sur|nick)?_?"
                   r"name$")
_NUMBER = r"^-?\d+(\.\d+)?$"


def field_name(header: str) -> str:
    """`InternetService` → internet_service, `Customer Tier` → customer_tier."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", header.strip())
    return re.sub(r"[^0-9a-z]+", "_", spaced.lower()).strip("_")


def plausible_dimensions(sample, headers: list[str], taken: set[str]) -> dict[str, tuple[str, str]]:
    """field → (header, why) for each of `headers` that reads as a dimension; `taken`: field names in use."""
    if sample.height < MIN_SAMPLE:
        return {}
    found = {}
    for header in headers:
        name = field_name(header)
        personal = _PERSONAL.search(name) or _NAME.match(name)
        if not name or name in taken or name in found or personal or header not in sample.columns:
            continue
        why = _why(sample[header])
        if why:
            found[name] = (header, why)
    return found


def _why(column) -> str | None:
    from crmctl.read.cells import detect_date_format

    values = column.drop_nulls().str.strip_chars()
    values = values.filter(values != "")
    if values.len() < MIN_SAMPLE:
        return None
    levels = values.n_unique()
    if values.str.contains(_NUMBER).all():
        if levels == values.len() and not values.str.contains(r"\.").any():
            return None  # distinct integers: an id
        return (f"dimension: {levels} values in the sample" if levels <= 10 else
                "a number: crmctl drivers bins it in quintiles")
    try:
        detect_date_format(values, "")
        return None  # a date is a time, not a group
    except DataError:
        pass
    if levels > MAX_LEVELS or levels * 2 > values.len():
        return None
    return f"dimension: {levels} values in the sample"
