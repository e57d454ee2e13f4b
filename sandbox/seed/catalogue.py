"""The supplier's price book: product families, products and Product2 records.

Families double as the values of `Account.Product_Interests__c`; every
preset's catalogue holds products of every family.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from sandbox.seed.clock import Clock
from sandbox.seed.model import Record
from sandbox.seed.records import IdMint, sobject_record

SERVICES = "Services"


@dataclass(frozen=True)
class Product:
    """One price-book entry; discontinued ones are inactive and only sold in the past."""

    id: str
    name: str
    code: str
    family: str
    list_price: float
    active: bool


#: family -> (ProductCode prefix, (name, list price, still sold)) in catalogue order
_RANGE: dict[str, tuple[str, tuple[tuple[str, float, bool], ...]]] = {
    "Cutting Tools": (
        "CT",
        (
            ("Carbide End Mill 10 mm", 48.0, True),
            ("HSS Twist Drill Set, 19 pcs", 118.0, True),
            ("Indexable Turning Insert CNMG 120408", 9.4, True),
            ("Machine Tap M8 x 1.25", 21.5, True),
            ("Bandsaw Blade 27 x 0.9 mm", 64.0, True),
            ("Carbide Burr Set, 5 pcs", 86.0, False),
            ("Diamond Cutting Disc 230 mm", 37.0, True),
        ),
    ),
    "Fasteners": (
        "FA",
        (
            ("Hex Bolt M12 x 50, Grade 8.8 (box of 100)", 28.0, True),
            ("Stainless Hex Nut M10 (box of 200)", 19.5, True),
            ("Heavy-Duty Anchor Bolt M16 (box of 25)", 64.0, True),
            ("Socket Cap Screw M6 x 20 (box of 200)", 16.8, True),
            ("Threaded Rod M12, 1 m (pack of 10)", 34.0, True),
            ("Spring Washer Assortment", 22.0, True),
            ("Blind Rivet 4.8 mm (box of 500)", 27.5, False),
        ),
    ),
    "Bearings & Seals": (
        "BS",
        (
            ("Deep Groove Ball Bearing 6205-2RS", 7.8, True),
            ("Tapered Roller Bearing 32008", 26.4, True),
            ("Pillow Block Bearing UCP 208", 41.0, True),
            ("Radial Shaft Seal 40 x 62 x 8", 6.5, True),
            ("O-Ring Assortment, NBR", 45.0, True),
            ("Linear Bearing LM20UU", 12.9, True),
            ("Needle Roller Bearing HK 2020", 4.6, False),
        ),
    ),
    "Hydraulics": (
        "HY",
        (
            ("Hydraulic Hose Assembly 1/2 in, 2 m", 34.0, True),
            ("Gear Pump 16 cc/rev", 420.0, True),
            ("Directional Control Valve 4/3, NG6", 610.0, True),
            ("Hydraulic Cylinder 63/36 x 300", 890.0, True),
            ("Quick Coupling Set ISO-A 1/2 in", 75.0, True),
            ("Pressure Gauge 0-250 bar", 29.0, False),
            ("Hydraulic Oil HLP 46, 208 l Drum", 560.0, True),
        ),
    ),
    "Packaging Materials": (
        "PM",
        (
            ("Stretch Film 500 mm x 300 m", 18.0, True),
            ("Corrugated Box 600 x 400 x 400 (bundle of 20)", 38.0, True),
            ("PET Strapping 16 mm x 1000 m", 52.0, True),
            ("Bubble Wrap 1.5 m x 100 m", 42.0, True),
            ("Kraft Paper Void Fill, 450 m", 55.0, True),
            ("Pallet Shrink Hood 1200 x 1000", 3.2, True),
            ("Packing Tape 50 mm (case of 36)", 47.0, False),
        ),
    ),
    "Safety Equipment": (
        "SE",
        (
            ("Cut-Resistant Gloves, Level C (12 pairs)", 54.0, True),
            ("Safety Goggles, Anti-Fog", 9.2, True),
            ("Hard Hat with Visor", 31.0, True),
            ("Fall Arrest Harness", 165.0, True),
            ("Hearing Protection Earmuffs", 24.0, True),
            ("Safety Shoes S3", 89.0, True),
            ("First Aid Station, Wall-Mounted", 210.0, False),
        ),
    ),
    SERVICES: (
        "SV",
        (
            ("Preventive Maintenance Visit", 1450.0, True),
            ("On-Site Tool Regrinding, per Day", 980.0, True),
            ("Vendor-Managed Inventory, per Site and Month", 2200.0, True),
            ("Safety Training Workshop", 1800.0, True),
            ("Hydraulic System Audit", 3200.0, True),
            ("Express Delivery", 150.0, True),
            ("Kitting and Assembly, per Hour", 85.0, True),
        ),
    ),
}

#: Product2.Family picklist values (and Account.Product_Interests__c values), in order.
FAMILIES: tuple[str, ...] = tuple(_RANGE)
#: Families of goods (everything but services), which deals are named after.
GOODS_FAMILIES: tuple[str, ...] = tuple(family for family in FAMILIES if family != SERVICES)


@dataclass(frozen=True)
class Catalogue:
    """The products of one preset, by family: every one, and the ones still sold."""

    products: tuple[Product, ...]
    ever_sold: dict[str, tuple[Product, ...]]
    still_sold: dict[str, tuple[Product, ...]]


def _by_family(products: list[Product]) -> dict[str, tuple[Product, ...]]:
    return {
        family: tuple(product for product in products if product.family == family)
        for family in FAMILIES
    }


def build_catalogue(size: int, ids: IdMint) -> Catalogue:
    """The first `size` products taken family by family in turn (so every family has some)."""
    entries = [
        (family, index, entry)
        for index, by_family in enumerate(
            itertools.zip_longest(*(products for _, products in _RANGE.values()))
        )
        for family, entry in zip(FAMILIES, by_family, strict=True)
        if entry is not None
    ]
    if not len(FAMILIES) <= size <= len(entries):
        raise ValueError(f"a catalogue holds {len(FAMILIES)} to {len(entries)} products")
    chosen = sorted(entries[:size], key=lambda item: (FAMILIES.index(item[0]), item[1]))
    products = [
        Product(
            id=ids.next("Product2"),
            name=name,
            code=f"{_RANGE[family][0]}-{1001 + index}",
            family=family,
            list_price=price,
            active=active,
        )
        for family, index, (name, price, active) in chosen
    ]
    return Catalogue(
        tuple(products),
        ever_sold=_by_family(products),
        still_sold=_by_family([product for product in products if product.active]),
    )


def product_records(
    catalogue: Catalogue, clock: Clock, author_id: str, rng: random.Random
) -> list[Record]:
    """Product2 records, set up years ago by the integration user."""
    records = []
    for product in catalogue.products:
        created = clock.moment(clock.day(-rng.randint(1500, 2500)), rng)
        modified = clock.since(created, rng)
        values = {
            "Name": product.name,
            "ProductCode": product.code,
            "Family": product.family,
            "IsActive": product.active,
            "Description": f"{product.name}, from our {product.family.lower()} range.",
        }
        records.append(
            sobject_record(
                "Product2",
                product.id,
                values,
                created=created,
                modified=modified,
                author_id=author_id,
            )
        )
    return records
