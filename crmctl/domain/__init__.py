"""The vocabulary: canonical datasets and fields, periods and calendars, units."""
