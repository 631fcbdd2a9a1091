"""Team scorecards: shrinkage by hand, CSAT attributed to the ticket's owner, the CLI, the sample."""

from __future__ import annotations

import polars as pl
import pytest

from crmctl.config import bundled_config, load_config
from crmctl.errors import ExitCode

CONFIG = """
    version: 1
    datasets:
      tickets:
        path: tickets.csv
        columns:
          ticket_id: id
          customer_id: customer
          created_at: {column: created, format: "%Y-%m-%d %H:%M"}
          resolved_at: {column: solved, format: "%Y-%m-%d %H:%M"}
          contacts: replies
          agent: assignee
      surveys:
        path: surveys.csv
        columns:
          customer_id: customer
          responded_at: {column: at, format: "%Y-%m-%d %H:%M"}
          type: type
          score: score
"""


def _tickets(project):
    """Ana: 8 of 10 tickets solved on first contact (≤ 1 reply), Ben: 2 of 10; each ticket takes 10 h."""
    lines = ["id,customer,created,solved,replies,assignee"]
    for i in range(20):
        agent, first = ("Ana", i < 8) if i < 10 else ("Ben", i < 12)
        lines.append(f"t{i},c{i},2025-01-{i + 1:02d} 08:00,2025-01-{i + 1:02d} 18:00,{0 if first else 3},{agent}")
    project.file("tickets.csv", "\n".join(lines) + "\n")
    # c0's answer is 2 days after Ana solved its ticket: hers. c15's is 10 days after: nobody's.
    project.file("surveys.csv", """
        customer,at,type,score
        c0,2025-01-03 09:00,csat,5
        c1,2025-01-04 09:00,csat,2
        c15,2025-01-26 09:00,csat,5
        c12,2025-01-14 09:00,nps,9
    """)
    return project.config(CONFIG)


def test_fcr_shrunk_by_the_beta_binomial_by_hand(cli, project):
    result = cli("scorecard", "-c", str(_tickets(project)), "-f", "json")
    assert result.exit_code == 0
    rows = {(r["owner"], r["metric"]): r for r in result.json()["rows"]}
    # p̄ = 0.5; spread = (10·0.09 + 10·0.09)/20 · 2 = 0.18; v = 0.18 − 0.25·0.1 = 0.155;
    # α + β = 0.25/0.155 − 1 = 0.6129; Ana (8 + 0.30645)/(10 + 0.6129) = 0.78267.
    ana = rows[("Ana", "first_contact_resolution")]
    assert (ana["value"], ana["n"], ana["rank"], ana["small_n"]) == (0.8, 10, 1, True)
    assert ana["estimate"] == pytest.approx(8.306452 / 10.612903, abs=1e-6)
    assert rows[("Ben", "first_contact_resolution")]["estimate"] == pytest.approx(2.306452 / 10.612903, abs=1e-6)
    assert result.json()["boards"] == [{"name": "service", "owners": ["Ana", "Ben"]}]
    # Resolution times are all 10 h: no spread, so both are the pooled 10 h.
    assert rows[("Ana", "avg_resolution_time")]["estimate"] == pytest.approx(10.0)


def test_csat_goes_to_the_owner_of_the_ticket_solved_within_a_week_before(cli, project):
    rows = cli("scorecard", "-c", str(_tickets(project)), "-f", "json").json()["rows"]
    csat = {r["owner"]: r for r in rows if r["metric"] == "csat"}
    assert list(csat) == ["Ana"]  # c1's 2 and c0's 5 are Ana's; c15's answer came too late; NPS is no CSAT
    assert (csat["Ana"]["value"], csat["Ana"]["n"]) == (0.5, 2)


def test_scorecard_without_owners_says_what_to_map(cli, project):
    config = _tickets(project)
    config.write_text(config.read_text().replace("agent: assignee", "queue: assignee"))
    result = cli("scorecard", "-c", str(config))
    assert result.exit_code == ExitCode.CONFIG
    assert "nothing to score by 'agent'" in result.stderr and "agent: Assignee" in result.stderr


def test_sample_scorecard_pulls_the_new_hire_to_the_team():
    from crmctl.scorecard.build import build_scorecard

    config = load_config(bundled_config())
    card = build_scorecard(config, "agent", config.report, 30, 0.95)
    service = next(b for b in card.boards if b.name == "service")
    sato = service.cells.filter(pl.col("owner") == "P. Sato", pl.col("metric") == "first_contact_resolution").row(
        0, named=True)
    # 22 of 24 on first contact (91.7%) in the month he joined: shrunk to within a point of Frontline's mean.
    assert (sato["value"], sato["n"], sato["small"], sato["group"]) == (pytest.approx(22 / 24), 24, True, "Frontline")
    assert abs(sato["estimate"] - sato["team"]) < 0.01
    assert [b.name for b in card.boards] == ["service", "sales"]


def test_scorecard_piped_has_no_boxes(cli):
    result = cli("scorecard", "--by", "agent")
    assert result.exit_code == 0 and "Service by agent" in result.stdout and "Sales by agent" in result.stdout
    assert "P. Sato" in result.stdout and "n=24†" in result.stdout and "┃" not in result.stdout


def test_sample_scorecard_by_team_scores_teams_and_says_what_it_cannot(cli):
    body = cli("scorecard", "--by", "team", "-f", "json").json()
    assert body["boards"] == [{"name": "service", "owners": ["Frontline", "Specialists"]}]
    assert body["meta"]["unavailable"]["win_rate"] == "leads do not map team"
    fcr = {r["owner"]: r for r in body["rows"] if r["metric"] == "first_contact_resolution"}
    assert (fcr["Frontline"]["n"], fcr["Specialists"]["n"]) == (792, 334)  # the agents: 202+209+24+182+175, 177+157


def test_init_maps_the_owners_of_tickets_and_opportunities(tmp_path):
    from crmctl.setup.init import recognise

    tickets = tmp_path / "zendesk-tickets.csv"
    tickets.write_text("Id,Requester,Requester id,Assignee,Group,Via,Created at,Solved at,Replies\n"
                       "1,Ana,3610,M. Costa,Frontline,Mail,2024-01-05 10:00:00 +0000,2024-01-05 12:00:00 +0000,1\n")
    deals = tmp_path / "report.csv"
    deals.write_text("Opportunity ID,Opportunity Name,Stage,Amount,Close Date,Created Date,Opportunity Owner\n"
                     "006A0000012aBcD,Big deal,Closed Won,5000,2/15/2024,1/13/2024,Kim\n")
    found = recognise(tickets)
    assert (found.columns["agent"], found.columns["team"]) == ("Assignee", "Group")
    assert recognise(deals).columns["agent"] == "Opportunity Owner"


HOSTILE_AGENT = "[bold red]PWN[/]\x1b]0;owned\x07\u202e"


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_an_owner_named_like_an_attack_prints_literally(cli, project, fmt):
    config = _tickets(project)
    tickets = project.root / "tickets.csv"
    tickets.write_text(tickets.read_text().replace(",Ben\n", f",{HOSTILE_AGENT}\n").replace(",Ana\n", ",=cmd|x\n"))
    result = cli("scorecard", "-c", str(config), "-f", fmt)
    assert result.exit_code == 0
    assert not any(c in result.stdout for c in ("\x1b", "\x07", "\u202e"))
    if fmt == "json":
        owners = {r["owner"] for r in result.json()["rows"]}
        assert owners == {HOSTILE_AGENT, "=cmd|x"}  # JSON gives the value back exactly
    if fmt == "table":
        assert "[bold red]PWN[/]\\x1b]0;owned\\x07\\u202e" in result.stdout
    if fmt == "csv":
        assert "'=cmd|x" in result.stdout  # a formula is neutralised
