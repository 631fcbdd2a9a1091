"""The units a metric value can have: declarations and custom metrics both name one."""

UNITS = ("ratio", "count", "money", "months", "days", "hours", "seconds", "score")
