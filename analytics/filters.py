"""The dashboard's filters, defined once: the dates, and the lists a user narrows by (payer, category,
code, modifier, site). The sidebar, the URL, the query parameters of every dashboard SQL file, the
exports' scope line and the click-through from a finding to its claims all read this registry;
tests/test_filters.py checks that every SQL call of a filtering macro passes the parameters in its order."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date


@dataclass(frozen=True)
class ListFilter:
    field: str  # the Filters attribute and the query parameter ($payers)
    url_key: str  # the URL parameter (payer=...)
    label: str  # the sidebar's label
    column: str  # the column it narrows (fact_units, change_findings)


LISTS = (
    ListFilter("payers", "payer", "Payer", "payer_name"),
    ListFilter("categories", "category", "Denial category", "category"),
    ListFilter("codes", "code", "Procedure or drug code", "procedure_code"),
    ListFilter("modifiers", "modifier", "Modifier", "modifier"),
    ListFilter("sites", "site", "Site of care", "site"),
)
# The modifier filter's value for a drug denied for lacking both JW and JZ (fact_units.missing_modifier): a
# modifier the line did not carry, so no slice of the change findings
MISSING_JW_JZ = "JW/JZ"
# The query parameters, in the order the filtering macros take them (filtered_units, initial_claims,
# filtered_recoveries after its as_of).
PARAMETERS = ("date_basis", "date_from", "date_to", *(f.field for f in LISTS))


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters; empty means everything."""

    date_basis: str = "service"  # 'service' or 'payment'
    date_from: date | None = None
    date_to: date | None = None
    payers: tuple = ()
    categories: tuple = ()
    codes: tuple = ()
    modifiers: tuple = ()
    sites: tuple = ()

    def params(self) -> dict:
        """Bound parameters of every dashboard query (queries/dashboard/*.sql)."""
        return {
            name: (list(value) if isinstance(value, tuple) else value)
            for name, value in ((f.name, getattr(self, f.name)) for f in fields(self))
        }

    def chosen(self) -> list[tuple[ListFilter, tuple]]:
        """The list filters set, with their values."""
        return [(f, getattr(self, f.field)) for f in LISTS if getattr(self, f.field)]


def scope_text(filters: Filters, names: dict | None = None) -> str:
    """What a report covers, in words: 'Filters: payer: X; site of care: POS 19 off campus-outpatient
    hospital.' names: per filter field, key -> its name for people (categories and sites are filtered by key)."""
    named = names or {}
    chosen = [
        f"{f.label.lower()}: {', '.join(str(named.get(f.field, {}).get(v, v)) for v in values)}"
        for f, values in filters.chosen()
    ]
    return (
        "Filters: "
        + ("; ".join(chosen) if chosen else "none (all payers, categories, codes, modifiers and sites)")
        + "."
    )
