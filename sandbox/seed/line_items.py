"""Products on a deal: OpportunityLineItems whose totals make up the Amount.

A deal's lines come from its own product family (plus now and then a service),
each at a negotiated price below list; the opportunity's Amount is then the
sum of the line totals, as Salesforce rolls it up.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sandbox.seed.catalogue import SERVICES, Catalogue, Product
from sandbox.seed.clock import Clock, sf_date
from sandbox.seed.model import Record
from sandbox.seed.records import IdMint, sobject_record

#: weights of 1, 2, 3 and 4 products on a deal
_LINE_COUNT_WEIGHTS = (35, 35, 20, 10)
_LINE_COUNTS = (1, 2, 3, 4)
_CUMULATIVE_WEIGHTS = tuple(itertools.accumulate(_LINE_COUNT_WEIGHTS))
#: share of multi-product deals with a service line, and its weight against a product's 1-3
_SERVICE_SHARE = 0.3
_SERVICE_WEIGHT = 0.4
#: negotiated unit price as a share of list price
_DISCOUNT = (0.82, 1.0)
#: days after the opportunity was created within which its products were added
_ADDED_WITHIN_DAYS = 7


@dataclass(frozen=True)
class Line:
    """One product on a deal: TotalPrice = Quantity x UnitPrice (to the cent)."""

    product: Product
    quantity: float
    unit_price: float
    total: float


def plan_lines(
    target: float, family: str, catalogue: Catalogue, open_deal: bool, rng: random.Random
) -> list[Line]:
    """1-4 products of `family` (one of them now and then a service) worth about `target`.

    Open deals only offer products still sold; closed ones may hold discontinued ones.
    """
    stock = catalogue.still_sold if open_deal else catalogue.ever_sold
    count = rng.choices(_LINE_COUNTS, cum_weights=_CUMULATIVE_WEIGHTS)[0]
    with_service = count > 1 and bool(stock[SERVICES]) and rng.random() < _SERVICE_SHARE
    goods = stock[family]
    products = rng.sample(goods, min(count - with_service, len(goods)))
    weights = [rng.uniform(1.0, 3.0) for _ in products]
    if with_service:
        products.append(rng.choice(stock[SERVICES]))
        weights.append(_SERVICE_WEIGHT)
    scale = target / sum(weights)
    lines = []
    for product, weight in zip(products, weights, strict=True):
        unit_price = round(product.list_price * rng.uniform(*_DISCOUNT), 2)
        quantity = float(max(1, round(weight * scale / unit_price)))
        lines.append(Line(product, quantity, unit_price, round(quantity * unit_price, 2)))
    return lines


def amount_of(lines: list[Line]) -> float:
    """The opportunity Amount Salesforce rolls up from its lines."""
    return round(sum(line.total for line in lines), 2)


def line_item_records(
    lines: list[Line],
    opportunity: Record,
    close_day: date,
    opportunity_dates: tuple[datetime, datetime],
    ids: IdMint,
    clock: Clock,
    author_id: str,
    rng: random.Random,
) -> list[Record]:
    """The OpportunityLineItems of `opportunity`, added soon after it was created."""
    created, modified = opportunity_dates
    latest = min(created + timedelta(days=_ADDED_WITHIN_DAYS), modified)
    service_date = sf_date(close_day)
    records = []
    for line in lines:
        added = clock.between(created, latest, rng)
        values = {
            "OpportunityId": opportunity["Id"],
            "Product2Id": line.product.id,
            "Name": f"{opportunity['Name']} {line.product.name}",
            "Quantity": line.quantity,
            "UnitPrice": line.unit_price,
            "TotalPrice": line.total,
            "ServiceDate": service_date,
        }
        records.append(
            sobject_record(
                "OpportunityLineItem",
                ids.next("OpportunityLineItem"),
                values,
                created=added,
                modified=added,
                author_id=author_id,
            )
        )
    return records
