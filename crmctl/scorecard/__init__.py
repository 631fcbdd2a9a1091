"""Team scorecards: owners (agents, reps, teams) ranked on their tickets' and leads' metrics, each
estimate shrunk toward the team's mean so that a small sample cannot top the board by luck."""
