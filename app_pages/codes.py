"""Codes: one procedure or drug code: volume, units billed against paid, denials by payer, modifier, site."""

import dataclasses

import streamlit as st

from analytics import labels, ui

filters = st.session_state["filters"]
st.title("Codes")

options = ui.options()
known = list(options["codes"])
if not known:
    st.info("No procedure codes yet: load some 835 files on the Data page.")
    st.stop()
code = st.selectbox(
    "Procedure or drug code",
    known,
    index=known.index(options["top_denied_code"]) if options["top_denied_code"] in known else 0,
    help="The procedure or drug code the payer adjudicated. The page opens on the code with the most denied dollars.",
    key="codes_page_code",
)
profile = ui.frame("code_profile", filters, code=code)
if ui.empty(profile, f"service line for {ui.md(code)}"):
    st.stop()
first = profile.iloc[0]
described = first["description"] if isinstance(first["description"], str) else "not in the code table"
st.markdown(
    f"**{ui.md(code)}**: {ui.md(described)}"
    + (f" (billing unit: {ui.md(first['billing_unit'])})" if isinstance(first["billing_unit"], str) else "")
)
payers = profile[profile["dimension"] == "payer"]
tiles = st.columns(4)
tiles[0].metric("Lines", f"{int(payers['lines'].sum()):,}", help="Adjudicated service lines with this code.")
tiles[1].metric("Denied $", ui.money(payers["denied_amount"].sum()), help=labels.LINE_DENIED_DOLLARS)
tiles[2].metric(
    "Units billed",
    ui.quantity(payers["units_billed"].sum()),
    help="The units billed, as the payer repeats them when it cut them, else the units paid.",
)
tiles[3].metric("Units paid", ui.quantity(payers["units_paid"].sum()), help=labels.describe("units_paid")[2])
ui.filtered_slice_change(dataclasses.replace(filters, codes=(code,)), lead=ui.WHAT_CHANGED_TEST)  # a real move?

KEYS = {"payer": "payers", "modifiers": "modifiers", "site": "sites"}


def open_claims(dimension: str, key) -> None:
    """The denied lines of this code and this payer, modifier combination or site on the Claims page."""
    narrowed = {"codes": (code,)}
    if isinstance(key, str) and key:
        narrowed[KEYS[dimension]] = tuple(key.split("+")) if dimension == "modifiers" else (key,)
    ui.drill(filters, **narrowed)


# a drug billed with JW has its administered amount on a line without a modifier: "(none)" is not a JW/JZ lapse
NONE_NOTE = {
    "modifiers": " (none): lines without a modifier, such as a drug's administered amount beside its JW line (the "
    "discarded amount); a drug claim with neither JW nor JZ is counted per claim on the Modifiers page."
}
BREAKDOWNS = (
    ("payer", "By payer", "payer"),
    ("modifiers", "By modifier combination", "modifier combination"),
    ("site", "By site of care", "site of care"),
)
for dimension, label, column in BREAKDOWNS:
    part = profile[profile["dimension"] == dimension]
    st.subheader(label)
    ui.rate_bars(
        part,
        "value",
        "lines",
        key=f"chart_{dimension}",
        x_key="key",
        on_select=lambda key, dimension=dimension: open_claims(dimension, key),
    )
    ui.table(
        part.drop(columns=["dimension", "description", "billing_unit"]),
        f"{code}_by_{dimension}",
        "Denial rate: denied lines ÷ adjudicated lines; expected denials (GA, GY, GZ) counted apart. Units "
        "billed against units paid show what was not paid: lines denied in full and unit cuts (e.g. CO-151 + "
        "N362)." + NONE_NOTE.get(dimension, ""),
        on_select=lambda row, dimension=dimension: open_claims(dimension, row["key"]),
        value=st.column_config.TextColumn(column),
    )

billed = ui.frame("code_billed_units", filters, code=code)
if not billed.empty:
    st.subheader("Billed against paid units")
    ui.table(
        billed,
        f"{code}_billed_units",
        "From the claims you billed (837) matched to their remittance line: units billed on the lines a payer "
        "answered, against the units it paid on its first answer (none on a line it denied in full).",
    )
