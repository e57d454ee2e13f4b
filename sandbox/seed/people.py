"""The supplier's employees: Salesforce users, Microsoft 365 users, To Do lists.

Everyone who has a Salesforce user also has a Graph user with the same email;
finance and support staff exist only in Microsoft 365 and show up in mail.
Shared mailboxes (sales@, support@, accounts-receivable@) are Graph users
too, as Exchange makes them: a mailbox with an address and a disabled account.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from sandbox.ids import graph_guid, graph_item_id
from sandbox.seed.clock import Clock
from sandbox.seed.model import Record
from sandbox.seed.names import NameBook, ascii_slug
from sandbox.seed.presets import Preset
from sandbox.seed.records import IdMint, sobject_record

KAM_TITLE = "Key Account Manager"
SUCCESS_MANAGER_TITLE = "Customer Success Manager"
SOLUTIONS_ENGINEER_TITLE = "Solutions Engineer"


@dataclass(frozen=True)
class Person:
    """An employee; `salesforce_id` is None for people without a CRM login."""

    first_name: str
    last_name: str
    email: str
    title: str
    department: str
    graph_id: str
    salesforce_id: str | None
    manager_email: str | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def user_id(self) -> str:
        """The Salesforce User Id (ValueError for staff without a CRM login)."""
        if self.salesforce_id is None:
            raise ValueError(f"{self.email} has no Salesforce user")
        return self.salesforce_id

    @property
    def address(self) -> dict[str, dict[str, str]]:
        """This person as a Graph recipient."""
        return {"emailAddress": {"name": self.name, "address": self.email}}


@dataclass(frozen=True)
class Staff:
    """Who works at the supplier, by role."""

    integration: Person
    head_of_key_accounts: Person
    sales_director: Person
    kams: tuple[Person, ...]
    reps: tuple[Person, ...]
    #: customer success managers and solutions engineers (on key accounts' teams)
    success_managers: tuple[Person, ...]
    solutions_engineers: tuple[Person, ...]
    back_office: tuple[Person, ...]
    #: shared mailboxes: clients write to them, nobody signs in to them
    shared_mailboxes: tuple[Person, ...] = ()

    @cached_property
    def sellers(self) -> tuple[Person, ...]:
        return self.kams + self.reps

    @cached_property
    def salesforce_users(self) -> tuple[Person, ...]:
        managers = (self.integration, self.head_of_key_accounts, self.sales_director)
        return managers + self.sellers + self.success_managers + self.solutions_engineers

    @cached_property
    def everyone(self) -> tuple[Person, ...]:
        return self.salesforce_users + self.back_office

    @cached_property
    def correspondents(self) -> tuple[Person, ...]:
        """Everyone with a mailbox in use (the integration user sends and gets no mail)."""
        return tuple(person for person in self.everyone if person != self.integration)

    @cached_property
    def mailboxes(self) -> tuple[Person, ...]:
        """Every Graph user: the employees and the shared mailboxes."""
        return self.everyone + self.shared_mailboxes

    def shared(self, department: str) -> Person:
        """The shared mailbox of `department` (StopIteration when it has none)."""
        return next(box for box in self.shared_mailboxes if box.department == department)

    def by_department(self, department: str) -> tuple[Person, ...]:
        return tuple(person for person in self.back_office if person.department == department)


_BACK_OFFICE = (
    ("Accounts Receivable Specialist", "Finance"),
    ("Credit Controller", "Finance"),
    ("Customer Support Lead", "Customer Support"),
    ("Customer Support Agent", "Customer Support"),
    ("Marketing Coordinator", "Marketing"),
)
#: (local part, display name, department) of each shared mailbox
_SHARED_MAILBOXES = (
    ("sales", "Sales", "Sales"),
    ("support", "Support", "Customer Support"),
    ("accounts-receivable", "Accounts Receivable", "Finance"),
)
SHARED_MAILBOX_TITLE = "Shared mailbox"


def hire_staff(
    preset: Preset, names: NameBook, domain: str, ids: IdMint, rng: random.Random
) -> Staff:
    """The company's people for `preset`, with unique emails on `domain`."""
    used: set[str] = set()

    def hire(title: str, department: str, *, crm: bool, manager: Person | None = None) -> Person:
        first, last = names.person(rng)
        local = f"{ascii_slug(first, '')}.{ascii_slug(last, '')}"
        while f"{local}@{domain}" in used:
            local += str(rng.randint(1, 9))
        email = f"{local}@{domain}"
        used.add(email)
        sf_id = ids.next("User") if crm else None
        boss = manager.email if manager else None
        return Person(first, last, email, title, department, graph_guid("user", email), sf_id, boss)

    integration = Person(
        "Sales",
        "Ops",
        f"salesops@{domain}",
        "Integration User",
        "Sales Operations",
        graph_guid("user", f"salesops@{domain}"),
        ids.next("User"),
    )
    head = hire("Head of Key Accounts", "Key Accounts", crm=True)
    director = hire("Sales Director", "Sales", crm=True)
    kams = tuple(
        hire(KAM_TITLE, "Key Accounts", crm=True, manager=head) for _ in range(preset.kams)
    )
    reps = tuple(
        hire("Sales Representative", "Sales", crm=True, manager=director)
        for _ in range(preset.reps)
    )
    success_managers = tuple(
        hire(SUCCESS_MANAGER_TITLE, "Key Accounts", crm=True, manager=head)
        for _ in range(preset.success_managers)
    )
    solutions_engineers = tuple(
        hire(SOLUTIONS_ENGINEER_TITLE, "Sales", crm=True, manager=director)
        for _ in range(preset.solutions_engineers)
    )
    back_office = tuple(hire(title, dept, crm=False) for title, dept in _BACK_OFFICE)
    shared = tuple(
        Person(
            "Northwind",
            name,
            f"{local}@{domain}",
            SHARED_MAILBOX_TITLE,
            department,
            graph_guid("user", f"{local}@{domain}"),
            None,
        )
        for local, name, department in _SHARED_MAILBOXES
    )
    return Staff(
        integration,
        head,
        director,
        kams,
        reps,
        success_managers,
        solutions_engineers,
        back_office,
        shared,
    )


def user_records(staff: Staff, clock: Clock, rng: random.Random) -> list[Record]:
    """Salesforce User records, created by the integration user years ago."""
    manager_ids = {person.email: person.salesforce_id for person in staff.salesforce_users}
    records = []
    for person in staff.salesforce_users:
        created = clock.moment(clock.day(-rng.randint(700, 1800)), rng)
        values = {
            "Username": person.email,
            "Email": person.email,
            "FirstName": person.first_name,
            "LastName": person.last_name,
            "Name": person.name,
            "Title": person.title,
            "Department": person.department,
            "IsActive": True,
            "ManagerId": manager_ids.get(person.manager_email or ""),
        }
        modified = clock.between(created, clock.now - timedelta(days=1), rng)
        records.append(
            sobject_record(
                "User",
                person.user_id,
                values,
                created=created,
                modified=modified,
                author_id=staff.integration.user_id,
            )
        )
    return records


def graph_users(staff: Staff) -> list[Record]:
    """Graph `user` resources for every employee and shared mailbox."""
    return [
        {
            "id": person.graph_id,
            "userPrincipalName": person.email,
            "mail": person.email,
            "displayName": person.name,
            "givenName": None if person in staff.shared_mailboxes else person.first_name,
            "surname": None if person in staff.shared_mailboxes else person.last_name,
            "jobTitle": None if person in staff.shared_mailboxes else person.title,
            "department": person.department,
            "accountEnabled": person not in staff.shared_mailboxes,
            "businessPhones": [],
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": "en-US",
        }
        for person in staff.mailboxes
    ]


def default_todo_lists(staff: Staff) -> dict[str, list[Record]]:
    """Each user's built-in "Tasks" list, empty, as To Do creates it."""
    return {
        person.graph_id: [
            {
                "id": graph_item_id(person.graph_id, "todoTaskList", "defaultList"),
                "displayName": "Tasks",
                "wellknownListName": "defaultList",
                "isOwner": True,
                "isShared": False,
            }
        ]
        for person in staff.mailboxes
    }
