"""Data: load remittance files and practice-management CSV exports, see what is loaded, export the views."""

import pandas as pd
import streamlit as st

from analytics import csv_import, data, database, privacy, ui, uploads, writer_lock

st.title("Data")


def show(results: list) -> None:
    """One message per file: what it added, or why nothing was loaded (a CSV file's bad rows listed).
    Tables are keyed by the file's place in the list: two uploads may share a name's stem (march.835,
    march.txt)."""
    for n, result in enumerate(results):
        _, name, detail = uploads.outcome(result)
        text = f"**{ui.md(name)}**: {ui.md(detail)}"
        if result.failed:
            st.error(text)
            if result.problems:
                ui.table(
                    pd.DataFrame(result.problems, columns=["line", "column", "problem"]),
                    f"problems_{n}_{result.path.name}",
                    "Rows that cannot be read, by line number in the file "
                    "(the header is line 1). Nothing of this file was loaded: correct them and load it again.",
                )
        elif result.status == "loaded":
            st.success(text)
            if result.diagnostics:
                with st.expander(f"{result.diagnostics} diagnostic(s) in {ui.md(result.path.name)}"):
                    ui.table(
                        data.query("app/file_diagnostics", {"file_name": result.path.name}),
                        f"diagnostics_{n}_{result.path.name}",
                        "Problems found while loading: the file was "
                        "loaded; these show where it breaks balance or structure (segment = position in "
                        "the file; the line number for a CSV file).",
                    )
        else:
            st.info(text)


def hash_choice(key: str) -> bool:
    """The checkbox that stores patient data hashed, ticked when the database's setting says so."""
    shown = data.database_path()  # the user's own database once there is one (never the demo's setting)
    default = data.source(shown) == database.default_path() and bool(
        data.record("privacy/setting", path=shown)["hashed"]
    )
    return st.checkbox(
        "Store patient names, member ids and birth dates hashed",
        value=default,
        key=key,
        help="Salted SHA-256: the same person still links across files, but names, member ids and "
        "birth dates cannot be read back. Ticked when the database's setting hash_patient_data "
        "is true (README: patient data).",
    )


def progress_bar(count: int):
    """on_result for a load of `count` files: a bar that advances as each file is done."""
    bar = st.progress(0.0, text=f"Loading {count} file(s)...")
    done = []

    def on_result(result) -> None:
        done.append(result)
        bar.progress(len(done) / count, text=f"{len(done)} of {count} file(s) done: {ui.md(result.path.name)}")

    return on_result


def loaded(results: list, refused: list) -> None:
    """After a load: run the page again, so that everything (the demo label above included) shows the
    database as it is now, with the files' results and refusals kept for that run."""
    st.cache_data.clear()
    st.session_state["data_page_results"] = (refused, results)
    st.rerun()


if "data_page_results" in st.session_state:  # what the last load on this page gave
    last_refused, last_results = st.session_state.pop("data_page_results")
    for refusal in last_refused:
        st.error(ui.md(refusal.message))
    show(last_results)

st.subheader("Load 835 and 837 files")
limit = uploads.limit_mb(st.get_option("server.maxUploadSize"))
x12_files = st.file_uploader(
    "835 remittance or 837 claim files",
    accept_multiple_files=True,
    help=f"Remittances (835) and billed claims (837), up to {limit} MB each. Each file loads whole "
    "or not at all; a file already loaded is recognised by its content and skipped. Your own "
    "files go to your own database, never the demo's.",
)
hashed = hash_choice("x12_hash")
if x12_files and st.button("Load", type="primary"):
    accepted, refused = uploads.screen([(f.name, f.getvalue()) for f in x12_files], limit)
    for refusal in refused:
        st.error(ui.md(refusal.message))
    if accepted:
        try:
            with privacy.hashing(hashed):  # after a load in progress, if there is one
                results = uploads.load(accepted, progress_bar(len(accepted)))
        except writer_lock.Busy as e:
            st.error(ui.md(e))
        else:
            loaded(results, refused)

st.subheader("Load CSV exports")
st.caption(
    "Claims and remittances exported by a practice-management system, in the layouts of docs/csv.md, or "
    "in another layout described by a mapping file (TOML; examples in docs/csv-mappings/). A file with a "
    "bad row loads nothing; its problems are listed by line number."
)
layout = st.radio(
    "Layout",
    csv_import.LAYOUTS,
    horizontal=True,
    key="csv_layout",
    format_func={"claims": "Claims (billed lines)", "remittances": "Remittance lines"}.get,
)
csv_uploads = st.file_uploader("CSV files", type=["csv", "txt", "tsv"], accept_multiple_files=True, key="csv_files")
csv_hashed = hash_choice("csv_hash")
mapping = st.file_uploader(
    "Mapping file (optional)",
    type=["toml"],
    key="csv_mapping",
    help="Which of your export's columns is each of ours, its date format and decimal mark, "
    "constants for columns it lacks: docs/csv.md.",
)
if csv_uploads and st.button("Load CSV", type="primary", key="csv_load"):
    accepted, refused = uploads.screen([(f.name, f.getvalue()) for f in csv_uploads], limit)
    for refusal in refused:
        st.error(ui.md(refusal.message))
    results = []
    try:
        if accepted:
            with privacy.hashing(csv_hashed):
                results = uploads.load_csv(
                    layout,
                    accepted,
                    (mapping.name, mapping.getvalue()) if mapping else None,
                    progress_bar(len(accepted)),
                )
    except csv_import.MappingError as e:
        st.error(f"{ui.md(e)}; nothing loaded")
    except writer_lock.Busy as e:
        st.error(ui.md(e))
    else:
        if results:
            loaded(results, refused)


st.subheader("What is loaded")
months = ui.remittance_months()
if months.empty:
    st.info("No remittance with a payment date is loaded yet: load your 835 files above.")
else:
    tiles = st.columns(4)
    tiles[0].metric(
        "Payments",
        f"{int(months['payments'].sum()):,}",
        help="835 transaction sets (and payments of CSV remittance lines) with a payment date.",
    )
    tiles[1].metric(
        "Claims in the remittances",
        f"{int(months['claims'].sum()):,}",
        help="Every claim the payers' remittances hold (CLP), reversals, corrections and secondary claims "
        "included; the Overview's Claims adjudicated counts initial claims of the payer order chosen.",
    )
    tiles[2].metric(
        "First payment month", f"{months['month'].min():%b %Y}", help="The month of the earliest payment loaded."
    )
    tiles[3].metric(
        "Latest payment month",
        f"{months['month'].max():%b %Y}",
        help="The month of the latest payment loaded (the data date): complete months, the Worklist's days left "
        "and the recoveries are counted as of that payment, not as of today.",
    )
    undated = data.record("app/undated_remittances")
    if undated["payments"] or undated["claims"]:  # else these counts fall short of what the loads reported
        st.caption(
            f"Also loaded: {undated['payments']:,} payment(s) and {undated['claims']:,} claim(s) with no payment "
            "date (neither BPR16 nor DTM*405): they have no month, so the counts above and the months below leave "
            "them out."
        )
    warning = ui.missing_remittances(months)
    if warning:
        st.warning(warning)
    ui.table(
        months,
        "remittance_months",
        "Per month of payment, newest first: the files, payments (835 transaction sets), payers and claims the "
        "remittances loaded hold, and what the payers paid. A month with no payment between the first and "
        "the latest is listed with zeros.",
    )

st.subheader("Loaded files")
files = data.query("app/loaded_files")
if not ui.empty(files, "file"):
    ui.table(
        files,
        "loaded_files",
        "Newest first. Payments: 835 transaction sets; claims: the payers' adjudications "
        "(835s, CSV remittance lines); billed claims: your claims (837s, CSV claims); diagnostics: problems found "
        "while loading (balance breaks, envelope counts, unreadable values), kept with the file.",
    )

st.subheader("Export")
st.caption(
    "Every documented view (payments, claims, service lines, adjustments, remarks, provider adjustments, "
    "denials) as Parquet files in one zip; docs/views.md describes the columns."
)
if st.button("Prepare Parquet export"):
    st.download_button("Download views.zip", data.export_parquet(), "views.zip", "application/zip")
