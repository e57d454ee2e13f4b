"""Mail about no client: newsletters, automated notifications and strangers on free mail.

Per mailbox over the mail window, with N the preset's newsletters per mailbox:

- N newsletters from publications, one per reader, with `List-Unsubscribe`,
  `List-Unsubscribe-Post` (one-click) and `Precedence: bulk` headers;
- N notifications from no-reply addresses (travel bookings, expense
  approvals, webinar reminders, shared files), `Auto-Submitted: auto-generated`;
- 0.6 N emails from strangers writing from free-mail domains (job applicants,
  freelancers, recruiters, event organisers), a third of them answered.

Clients' own people also write from free mail now and then (see
`correspondence.py` and `crm.py`), so a free-mail sender alone never tells
whether mail is about a client: in the demo preset 40 % of free-mail messages
are, the rest is noise. The demo tenant's emails are then about 66 % client
threads, 7 % to or from shared mailboxes, 7 % internal, 14 % newsletters and
notifications and 6 % strangers (a KAM's mailbox is client-heavy).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from sandbox.seed.clock import Clock
from sandbox.seed.correspondence import MAIL_WINDOW_DAYS, Side, Thread, write_thread
from sandbox.seed.mail import Email, address
from sandbox.seed.names import FREE_MAIL_DOMAINS, NameBook, ascii_slug
from sandbox.seed.people import Staff
from sandbox.seed.presets import Preset
from sandbox.seed.texts import HEADLINES, NEWSLETTERS

#: (sender name, no-reply address, subjects) of automated notifications
NOTIFIERS = (
    (
        "Travel Desk",
        "no-reply@travel-desk.example",
        ("Your booking is confirmed", "Itinerary update for your trip", "Check-in is open"),
    ),
    (
        "Expense Portal",
        "noreply@expense-portal.example",
        ("Expense report approved", "Receipt missing on your expense report"),
    ),
    (
        "Webinar Host",
        "do-not-reply@webinar-host.example",
        ("Reminder: your webinar starts in 1 hour", "Recording available"),
    ),
    (
        "File Share",
        "notifications@file-share.example",
        ("A file was shared with you", "Your storage is almost full"),
    ),
)
_NOTIFICATION_HEADERS = (("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All"))
#: (subject, first line, reply) of mail from strangers
_STRANGER_MAIL = (
    (
        "Application for the sales assistant position",
        "Please find my application for the position advertised on your website.",
    ),
    (
        "Freelance technical writing",
        "I am a freelance writer and would love to help with your product documentation.",
    ),
    (
        "Exciting opportunity - quick chat?",
        "I am recruiting for a senior role that matches your profile. Open to a call?",
    ),
    (
        "Speaker invitation: regional supply chain meetup",
        "We would be delighted to have you speak at our next meetup.",
    ),
    (
        "Question about your products",
        "I am renovating my workshop and wondered whether you sell to individuals.",
    ),
)
_STRANGER_REPLIES = (
    "Thank you for reaching out - I have passed this on to the right colleague.",
    "Thanks, but we are not looking for this at the moment.",
)
_STRANGERS_PER_NEWSLETTER = 0.6
_ANSWERED_SHARE = 1 / 3


def notifier_domains() -> set[str]:
    """Domains notifications come from (no client may use them)."""
    return {sender.split("@")[1] for _, sender, _ in NOTIFIERS}


def _unsubscribe_headers(sender: str, reader: str) -> tuple[tuple[str, str], ...]:
    domain = sender.split("@")[1]
    token = ascii_slug(reader, "")
    return (
        (
            "List-Unsubscribe",
            f"<mailto:unsubscribe@{domain}?subject={token}>, "
            f"<https://{domain}/unsubscribe/{token}>",
        ),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("Precedence", "bulk"),
    )


def newsletters(staff: Staff, clock: Clock, preset: Preset, rng: random.Random) -> Iterator[Email]:
    """Bulk mail from outside publications, one message per reader."""
    for person in staff.correspondents:
        for number in range(preset.newsletters_per_mailbox):
            publication, sender = rng.choice(NEWSLETTERS)
            headline = rng.choice(HEADLINES)
            key = f"news/{person.email}/{number}"
            yield Email(
                key=key,
                thread_key=key,
                account_id=None,
                subject=f"{publication}: {headline}",
                body=f"{headline}.\n\nRead the full story on our website.\n\n{publication}",
                sender=address(publication, sender),
                to=(person.address,),
                cc=(),
                sent=clock.past_moment(rng, MAIL_WINDOW_DAYS),
                bulk=True,
                headers=_unsubscribe_headers(sender, person.email),
            )


def notifications(
    staff: Staff, clock: Clock, preset: Preset, rng: random.Random
) -> Iterator[Email]:
    """Automated mail from no-reply senders, as many per reader as newsletters."""
    for person in staff.correspondents:
        for number in range(preset.newsletters_per_mailbox):
            name, sender, subjects = rng.choice(NOTIFIERS)
            subject = rng.choice(subjects)
            key = f"notice/{person.email}/{number}"
            yield Email(
                key=key,
                thread_key=key,
                account_id=None,
                subject=subject,
                body=f"{subject}.\n\nThis is an automated message; please do not reply.",
                sender=address(name, sender),
                to=(person.address,),
                cc=(),
                sent=clock.past_moment(rng, MAIL_WINDOW_DAYS),
                bulk=True,
                headers=_NOTIFICATION_HEADERS,
            )


def strangers(
    staff: Staff, names: NameBook, clock: Clock, preset: Preset, rng: random.Random
) -> Iterator[Email]:
    """Mail from private people on free-mail domains, about no client; some answered."""
    per_mailbox = preset.newsletters_per_mailbox * _STRANGERS_PER_NEWSLETTER
    for number in range(round(per_mailbox * len(staff.correspondents))):
        first, last = names.person(rng)
        local = f"{ascii_slug(first, '')}.{ascii_slug(last, '')}{rng.randint(1, 99)}"
        stranger = address(f"{first} {last}", f"{local}@{rng.choice(FREE_MAIL_DOMAINS)}")
        subject, line = rng.choice(_STRANGER_MAIL)
        thread = Thread(
            key=f"stranger/{number}",
            account_id=None,
            subject=subject,
            starter=Side(stranger, (line,)),
            answerer=Side(rng.choice(staff.correspondents).address, _STRANGER_REPLIES),
        )
        length = 2 if rng.random() < _ANSWERED_SHARE else 1
        yield from write_thread(
            thread, clock.past_moment(rng, MAIL_WINDOW_DAYS), length, clock, rng
        )
