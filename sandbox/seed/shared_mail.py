"""Client mail to the shared mailboxes: orders to sales@, complaints to support@,
remittance advice and invoice questions to accounts-receivable@.

Each client account writes to them now and then (big clients 1-4 times in the
mail window, small ones 0-2, prospects 0-1 enquiries to sales@, all times the
preset's mail scale): in the demo preset about one client email in six goes to
a shared mailbox. Support and accounts receivable answer from the shared
mailbox itself (Send As, so the reply sits in its Sent Items); sales@ is
answered by the account owner, keeping sales@ on copy. Orders carry a CSV,
remittance advice and complaints a PDF.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from sandbox.seed.attachments import attachment_for
from sandbox.seed.clock import Clock
from sandbox.seed.correspondence import Side, Thread, account_threads, client_address
from sandbox.seed.crm import ClientContact
from sandbox.seed.mail import Email
from sandbox.seed.people import Staff
from sandbox.seed.plans import AccountPlan, Tier
from sandbox.seed.presets import Preset

_PER_ACCOUNT: dict[Tier, tuple[int, int]] = {"big": (1, 4), "small": (0, 2), "prospect": (0, 1)}


@dataclass(frozen=True)
class _Request:
    """A kind of email clients send to a shared mailbox."""

    department: str
    #: the attachment kind (see attachments.py), or None
    attachment: str | None
    subject: str
    client_line: str
    our_line: str


_REQUESTS = (
    _Request(
        "Sales",
        "order",
        "Purchase order {number} - {client}",
        "Please find our purchase order attached. Kindly confirm the delivery date.",
        "Thank you for your order - confirmation with delivery dates follows today.",
    ),
    _Request(
        "Sales",
        None,
        "Request for quotation - {client}",
        "Could you quote the items below for delivery next month?",
        "Thanks for your request, our quotation will reach you by Friday.",
    ),
    _Request(
        "Customer Support",
        "complaint",
        "Damaged goods in delivery {number}",
        "Part of delivery {number} arrived damaged; photos and the delivery note attached.",
        "We are sorry to hear that. A replacement is on its way; ticket opened.",
    ),
    _Request(
        "Finance",
        "remittance",
        "Remittance advice {number}",
        "Please find attached our remittance advice for the invoices listed.",
        "Thank you, the payment has been matched to your account.",
    ),
    _Request(
        "Finance",
        None,
        "Invoice copy needed - {client}",
        "Could you send us a copy of last month's invoices?",
        "Please find the copies in our customer portal; let us know if anything is missing.",
    ),
)
_PROSPECT_REQUESTS = (_REQUESTS[1],)


def _thread(
    key: str,
    plan: AccountPlan,
    contact: ClientContact,
    staff: Staff,
    rng: random.Random,
) -> Thread:
    request = rng.choice(_PROSPECT_REQUESTS if plan.tier == "prospect" else _REQUESTS)
    number = rng.randint(10000, 99999)
    subject = request.subject.format(number=number, client=plan.company.short_name)
    box = staff.shared(request.department)
    answered_by_owner = request.department == "Sales"
    files = (attachment_for(request.attachment, number, subject),) if request.attachment else ()
    return Thread(
        key=key,
        account_id=plan.id,
        subject=subject,
        starter=Side(client_address(contact, rng), (request.client_line,)),
        answerer=Side(
            plan.owner.address if answered_by_owner else box.address, (request.our_line,)
        ),
        cc=(box.address,) if answered_by_owner else (),
        attachments=files,
    )


def shared_mailbox_threads(
    plans: list[AccountPlan],
    contacts: dict[str, list[ClientContact]],
    staff: Staff,
    clock: Clock,
    preset: Preset,
    rng: random.Random,
) -> Iterator[Email]:
    """Clients' emails to the shared mailboxes and the answers they get."""

    def thread(plan: AccountPlan, number: int) -> Thread:
        return _thread(
            f"shared/{plan.id}/{number}", plan, rng.choice(contacts[plan.id]), staff, rng
        )

    return account_threads(
        plans, _PER_ACCOUNT, thread, max_replies=2, clock=clock, preset=preset, rng=rng
    )
