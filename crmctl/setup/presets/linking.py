"""Which key links a dataset to its customers when the dataset names customers by e-mail.

Zendesk tickets carry the requester's e-mail and Zendesk's own requester id; Shopify's order export
carries only the buyer's e-mail. An id of one system never matches another system's customer ids, but
an e-mail does, through read/identity.py, when customers maps `email`. So a preset lists the e-mail
column as `customer_email`, and once every file is recognised `crmctl init` decides:

- customers maps email: the dataset keeps customer_id only when both files come from the same vendor
  (a Shopify customer id in a Shopify customers table); otherwise customer_email replaces it.
- customers maps no email (or there is no customers file): customer_id stays when the dataset has one;
  otherwise the e-mail is the customer_id, and the comment says customers' ids must be e-mails too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONNECTORS = ("Fivetran", "Airbyte")
GUIDE = "docs/config.md, One customer across exports"


@dataclass
class Link:
    """How one dataset's mapping changes: fields dropped (with why), renamed, and comments to add."""

    dropped: dict[str, str] = field(default_factory=dict)  # field -> why it is left out
    renamed: dict[str, str] = field(default_factory=dict)  # old field -> new field
    notes: dict[str, str] = field(default_factory=dict)  # field (after renaming) -> comment


def vendor(preset: dict | None) -> str | None:
    """The app a preset describes (`Fivetran Shopify order` → Shopify); None for generic names."""
    if preset is None or not preset.get("signature"):
        return None
    words = [w for w in preset["name"].split() if w not in CONNECTORS]
    return words[0] if words else None


def link(preset: dict, columns: dict[str, str], customers: tuple[dict, dict[str, str]] | None) -> Link:
    """The change to a dataset's `columns` (field -> header) given the customers file's (preset, columns)."""
    if "customer_email" not in columns:
        return Link()
    email = columns["customer_email"]
    held = customers is not None and "email" in customers[1]
    if not held:
        if "customer_id" in columns:
            return Link(dropped={"customer_email": f"column {email!r} holds e-mails, and customers maps no email "
                                                  f"to translate them through ({GUIDE})"})
        return Link(renamed={"customer_email": "customer_id"},
                    notes={"customer_id": f"CHECK: {email!r} holds e-mails and customers maps no email, so "
                                          f"customers' customer_id must hold the same e-mails ({GUIDE})"})
    same = vendor(preset) is not None and vendor(preset) == vendor(customers[0])
    if "customer_id" in columns and same:
        return Link(dropped={"customer_email": f"customer_id links to customers, both {vendor(preset)} ids"})
    link_ = Link(notes={"customer_email": f"e-mails translated into customer ids through customers' email "
                                          f"column {customers[1]['email']!r} ({GUIDE})"})
    if "customer_id" in columns:
        link_.dropped["customer_id"] = (f"column {columns['customer_id']!r} is {vendor(preset) or 'another system'}'s "
                                        f"own id, which {customers[0]['name']} does not hold: the e-mail links instead")
    return link_
