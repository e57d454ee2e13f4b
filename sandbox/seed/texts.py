"""What the seeded emails say: topics of client threads, internal chatter, newsletters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """A kind of client conversation and the lines each side writes."""

    name: str
    #: may use {client}, {number} and {year}
    subjects: tuple[str, ...]
    client_lines: tuple[str, ...]
    our_lines: tuple[str, ...]
    #: back-office department copied on some threads (Graph-only staff)
    copied_department: str | None = None
    attachments: bool = False


TOPICS: dict[str, Topic] = {
    topic.name: topic
    for topic in (
        Topic(
            "renewal",
            (
                "Renewal of our supply agreement",
                "Contract renewal {year} - {client}",
                "Renewal proposal for {client}",
            ),
            (
                "Our agreement runs out soon. Can you send the renewal terms?",
                "We reviewed the proposal internally and have a few questions on volumes.",
            ),
            (
                "Our renewal proposal is attached, with the volume discounts we discussed.",
                "Happy to walk you through the renewal terms this week.",
            ),
            attachments=True,
        ),
        Topic(
            "invoice",
            (
                "Invoice {number}",
                "Question about invoice {number}",
                "Payment reminder - invoice {number}",
            ),
            (
                "The amount on this invoice does not match the quote. Could you check?",
                "Payment has been scheduled for the end of the month.",
            ),
            (
                "I checked with our finance team and will send a corrected invoice.",
                "Thanks for the quick payment, everything is settled on our side.",
            ),
            copied_department="Finance",
            attachments=True,
        ),
        Topic(
            "qbr",
            ("QBR preparation", "Quarterly business review - {client}", "Agenda for our QBR"),
            (
                "Could you share the delivery statistics before the QBR?",
                "We would like to add the new plant to the QBR agenda.",
            ),
            (
                "Attached is the draft agenda and last quarter's service levels.",
                "Let me know which dates work for the QBR.",
            ),
        ),
        Topic(
            "support",
            (
                "Support ticket {number}: delayed shipment",
                "Damaged parts in order {number}",
                "Urgent: wrong items delivered to {client}",
            ),
            (
                "Our line is waiting for these parts. When can you deliver?",
                "Photos of the damaged parts are attached.",
            ),
            (
                "I have escalated this with our support team and will update you today.",
                "A replacement shipment leaves our warehouse tomorrow.",
            ),
            copied_department="Customer Support",
        ),
        Topic(
            "order",
            ("Order {number} confirmation", "Delivery schedule for order {number}"),
            (
                "Please confirm the delivery date for this order.",
                "We need to increase the quantity on the next call-off.",
            ),
            (
                "Your order is confirmed for delivery next week.",
                "The revised quantities are booked, confirmation attached.",
            ),
            attachments=True,
        ),
        Topic(
            "pricing",
            ("Updated price list {year}", "Quote request for {client}", "Pricing for next year"),
            (
                "Could you send us a quote for the items in the attached list?",
                "Prices went up again - is there room for a volume discount?",
            ),
            (
                "Please find the updated price list attached.",
                "We can offer a tiered discount from the second pallet onwards.",
            ),
            attachments=True,
        ),
    )
}

#: topics of client threads by account tier
TOPICS_BY_TIER: dict[str, tuple[str, ...]] = {
    "big": ("renewal", "invoice", "qbr", "support", "order", "pricing"),
    "small": ("invoice", "support", "order", "pricing"),
    "prospect": ("pricing", "qbr"),
}

INTERNAL_SUBJECTS = (
    "Team offsite agenda",
    "Expense reports due Friday",
    "Updated travel policy",
    "Pipeline numbers for the board deck",
    "Holiday coverage plan",
    "CRM data clean-up",
    "New price list approved",
)
INTERNAL_LINES = (
    "Please have a look before our next team call.",
    "Quick reminder, see details below.",
    "Thanks all - let me know if anything is missing.",
)
#: internal threads about one client; {client} is its short name
INTERNAL_CLIENT_SUBJECTS = (
    "{client}: credit limit review",
    "FW: Payment overdue - {client}",
    "{client} escalation - delivery delays",
    "Prep for the {client} QBR",
)

NEWSLETTERS = (
    ("Industrial Supply Weekly", "news@industrial-supply-weekly.example"),
    ("Trade Fair Insider", "updates@tradefair-insider.example"),
    ("Logistics Today", "newsletter@logistics-today.example"),
    ("Procurement Digest", "digest@procurement-digest.example"),
)
HEADLINES = (
    "Steel prices rise for the third month",
    "Five trends in predictive maintenance",
    "Registration is open for the spring trade fair",
    "Freight rates ease across Europe",
    "How buyers evaluate suppliers this year",
    "Webinar: digital procurement in practice",
)


def newsletter_domains() -> set[str]:
    """Domains the newsletters come from (no client may use them)."""
    return {address.split("@")[1] for _, address in NEWSLETTERS}


def letter(greeting_name: str, line: str, signature: str) -> str:
    """A short email body."""
    first_name = greeting_name.split()[0] if greeting_name else "all"
    return f"Hi {first_name},\n\n{line}\n\nBest regards,\n{signature}"
