"""The clean tables the corpus pollutes: small CRM exports with the cells real ones have (accents,
commas and quotes in names, ids with leading zeros, empty optional fields, multi-line notes)."""

from __future__ import annotations

_FIRST = ["Zoë", "François", "Jürgen", "Siobhán", "Renée", "Ana", "Björn", "Chloé", "Dmitri", "Élodie",
          "Søren", "Inés", "Marcus", "Noémie", "Paulo", "Æsa", "Kurt", "Lúcia"]
_LAST = ["Müller", "O'Brien", "García", "Dubois", "Nørgaard", "Smith", "Kowalski", "Côté", "Ivanov", "Le Gall",
         "Andersen", "Peña", "Weiß", "Laurent", "Nowak", "Ólafsdóttir", "Fischer", "Souza"]
_COMPANIES = ["Acme, Inc.", "Smith & Sons", "Café Zürich GmbH", "Nordic \"Blue\" AB", "Lumière SARL", "Peña y Cía",
              "Globex", "Initech, LLC", "Brasserie Côté", "Soylent Corp", "Umbrella", "Hooli", "Vandelay Import",
              "Wayne Enterprises", "Stark Industries", "Tyrell", "Cyberdyne", "Massive Dynamic"]
_CITIES = ["München", "Dublin", "Sevilla", "Paris", "Aarhus", "London", "Kraków", "Québec", "Moskva", "Brest",
           "Odense", "Málaga", "Köln", "Lyon", "Genève", "Reykjavík", "Hamburg", "São Paulo"]
_STAGES = ["customer", "lead", "opportunity", "customer", "subscriber", "customer"]


def contacts(rows: int = 18) -> tuple[list[str], list[list[str]]]:
    header = ["Record ID", "First Name", "Last Name", "Company", "Email", "City", "Create Date", "Lifecycle Stage"]
    body = []
    for i in range(rows):
        first, last = _FIRST[i % 18], _LAST[(i * 7) % 18]
        email = f"{first[0].lower()}.{last.split()[-1].lower().replace(chr(39), '')}@example.com"
        body.append([f"{1001 + i * 37}", first, last, _COMPANIES[(i * 5) % 18], email, _CITIES[(i * 11) % 18],
                     f"2024-{1 + i % 12:02d}-{1 + (i * 3) % 28:02d} {9 + i % 9:02d}:{(i * 13) % 60:02d}:00",
                     _STAGES[i % 6]])
    return header, body


def orders(rows: int = 20, decimal_comma: bool = False) -> tuple[list[str], list[list[str]]]:
    header = ["Order Number", "Customer ID", "Order Date", "Total Amount", "Currency", "Status"]
    body = []
    for i in range(rows):
        amount = f"{(i * 7919) % 4000 + (i * 37) % 100 / 100:.2f}"
        if decimal_comma:
            whole, cents = amount.split(".")
            amount = f"{int(whole):,}".replace(",", ".") + "," + cents
        body.append([f"SO-{20240 + i:06d}", f"{(i * 13) % 50:05d}", f"{1 + i % 28:02d}/{1 + i % 12:02d}/2024",
                     amount, "EUR" if i % 3 else "USD", ["paid", "completed", "refunded", "pending"][i % 4]])
    return header, body


def tickets(rows: int = 12) -> tuple[list[str], list[list[str]]]:
    header = ["Ticket ID", "Subject", "Description", "Priority", "Created", "Requester"]
    subjects = ["Login fails", "Invoice wrong, again", 'Button says "Buy" twice', "Refund; please",
                "Export | broken", "Ça ne marche pas"]
    descriptions = ["Cannot log in since Monday.", "Line 1 is fine.\nLine 2 is charged twice.",
                    'Customer wrote: "it is broken, fix it"', "Tried, twice; no luck.",
                    "Steps:\n1. open\n2. click export", "Écran blanc après connexion."]
    body = []
    for i in range(rows):
        body.append([str(5000 + i), subjects[i % 6], descriptions[(i * 5) % 6], ["low", "normal", "high", "urgent"][i % 4],
                     f"2024-03-{1 + i:02d}T{8 + i % 10:02d}:15:00Z", f"{_FIRST[i]} {_LAST[i]}"])
    return header, body


def with_blanks(header: list[str], body: list[list[str]], columns: tuple[int, ...]) -> tuple[list[str], list[list[str]]]:
    """Some optional trailing fields left empty, as every real export has."""
    out = [list(r) for r in body]
    for i, row in enumerate(out):
        for c in columns:
            if (i + c) % 3 == 0:
                row[c] = ""
    return header, out
