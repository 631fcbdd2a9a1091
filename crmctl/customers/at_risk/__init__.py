"""The at-risk room: warning signals (signals), their weighted score (score), the list `--at-risk` shows
(listing), whether the flagged churned (backtest), and weights fitted to churn (weights)."""
