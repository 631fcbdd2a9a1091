"""Monitoring: anomalies without targets (anomalies, bands, judge), the history of reported numbers
(history) and re-running reports when exports change (watch). Nothing here prints: commands/ and
render/ show the results."""
