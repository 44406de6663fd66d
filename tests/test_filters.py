"""The filter registry (analytics/filters.py) is the one contract of the dashboard's filters: the
Filters every page passes, the parameters every dashboard SQL file takes, and the order in which the
filtering macros take them."""

import re
from dataclasses import fields
from datetime import date

import duckdb

from analytics import filters
from analytics.database import QUERIES

MACROS = (
    "filtered_adjudications",
    "filtered_units",
    "filtered_denials",
    "initial_claims",
    "filtered_recoveries",
    "narrowed_recoveries",
    "filtered_drug_line_cells",
    "open_worklist",
    "filtered_claim_status",
    "filtered_prevention_flags",
)


def test_the_filters_are_the_dates_and_the_registered_lists():
    assert tuple(f.name for f in fields(filters.Filters)) == filters.PARAMETERS
    assert set(filters.Filters().params()) == set(filters.PARAMETERS)


def test_params_bind_lists_as_lists_and_keep_dates():
    chosen = filters.Filters("payment", date(2026, 1, 1), None, payers=("A",), sites=("POS 19",))
    params = chosen.params()
    assert params["payers"] == ["A"] and params["codes"] == [] and params["date_from"] == date(2026, 1, 1)


def test_every_filtering_macro_call_passes_the_parameters_in_the_registered_order():
    calls = 0
    for path in QUERIES.rglob("*.sql"):
        text = re.sub(r"--[^\n]*", "", path.read_text())
        for macro in MACROS:
            for match in re.finditer(rf"\b{macro}\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)", text):
                arguments = [a.strip() for a in match.group(1).split(",")]
                if "MACRO" in text[max(0, match.start() - 30) : match.start()]:
                    continue  # the definition
                if macro in ("filtered_recoveries", "narrowed_recoveries"):
                    arguments = arguments[1:]  # as_of first
                assert len(arguments) == len(filters.PARAMETERS), f"{path.name}: {match.group(0)[:80]}"
                for argument, name in zip(arguments, filters.PARAMETERS, strict=True):
                    # a query passes the dashboard's parameter, or a constant in its place
                    assert argument == f"${name}" or not argument.startswith("$"), f"{path.name}: {argument} for {name}"
                calls += 1
    assert calls > 20


def test_the_scope_line_names_each_filter_set_with_its_label():
    text = filters.scope_text(filters.Filters(payers=("MEDICARE PART B J15",), sites=("POS 19",)))
    assert text == "Filters: payer: MEDICARE PART B J15; site of care: POS 19."
    assert filters.scope_text(filters.Filters()).startswith("Filters: none")
    # the exports' scope line names a category and a site as the sidebar shows them, not by their keys
    chosen = filters.Filters(categories=("authorization",), sites=("POS 19", "POS 99"))
    names = {"categories": {"authorization": "Prior authorization and referral"}, "sites": {"POS 19": "POS 19 off"}}
    assert filters.scope_text(chosen, names) == (
        "Filters: denial category: Prior authorization and referral; site of care: POS 19 off, POS 99."
    )


def test_a_list_holds_any_of_the_chosen_values_whether_one_or_several_are_chosen():
    """holds_any, the modifier and billed-code lookup of every filter: one value chosen is looked up alone,
    several each in turn; an empty or missing list holds none of them."""
    statement = re.search(
        r"CREATE OR REPLACE MACRO holds_any\b.*?;", (QUERIES / "marts/filtered_units.sql").read_text(), re.S
    )
    con = duckdb.connect()
    con.execute(statement.group(0))

    def holds(chosen: list[str], values: list[str] | None):
        return con.execute(
            "SELECT holds_any($chosen::VARCHAR[], $values::VARCHAR[])", {"chosen": chosen, "values": values}
        ).fetchone()[0]

    assert holds(["25"], ["59", "25"]) is True
    assert holds(["25"], ["59"]) is False
    assert holds(["JW", "JZ"], ["JZ"]) is True
    assert holds(["JW", "JZ"], ["TB", "JW"]) is True
    assert holds(["JW", "JZ"], ["TB", "25"]) is False
    assert holds(["JW", "JZ"], []) is False
    assert holds(["25"], []) is False
    assert holds(["JW", "JZ"], None) is None
