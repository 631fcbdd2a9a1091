"""What every metric plan sees: canonical frames bucketed into periods, and who is active when."""
