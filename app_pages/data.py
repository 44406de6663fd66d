"""Data: load remittance files and practice-management CSV exports, see what is loaded, export the views."""

import pandas as pd
import streamlit as st

from analytics import csv_import, data, database, privacy, ui, updates, uploads

st.title("Data")


def show(results: list) -> None:
    """One message per file: what it added, or why nothing was loaded (a CSV file's bad rows listed)."""
    for result in results:
        name, _, detail = uploads.outcome(result)[1].partition(": ")
        text = f"**{ui.md(name)}**: {ui.md(detail)}"
        if result.failed:
            st.error(text)
            if result.problems:
                ui.table(pd.DataFrame(result.problems, columns=["line", "column", "problem"]),
                         f"problems_{result.path.stem}", "Rows that cannot be read, by line number in the file "
                         "(the header is line 1). Nothing of this file was loaded: correct them and load it again.")
        elif result.status == "loaded":
            st.success(text)
            if result.diagnostics:
                with st.expander(f"{result.diagnostics} diagnostic(s) in {ui.md(result.path.name)}"):
                    ui.table(data.query("app/file_diagnostics", {"file_name": result.path.name}),
                             f"diagnostics_{result.path.stem}", "Problems found while loading: the file was "
                             "loaded; these show where it breaks balance or structure (segment = position in "
                             "the file; the line number for a CSV file).")
        else:
            st.info(text)


def hash_choice(key: str) -> bool:
    """The checkbox that stores patient data hashed, ticked when the database's setting says so."""
    shown = data.database_path()  # the user's own database once there is one (never the demo's setting)
    default = data.source(shown) == database.default_path() and bool(data.record("privacy/setting", path=shown)["hashed"])
    return st.checkbox("Store patient names, member ids and birth dates hashed", value=default, key=key,
                       help="Salted SHA-256: the same person still links across files, but names, member ids and "
                            "birth dates cannot be read back. Ticked when the database's setting hash_patient_data "
                            "is true (README: patient data).")


st.subheader("Load 835 and 837 files")
limit = uploads.limit_mb(st.get_option("server.maxUploadSize"))
x12_files = st.file_uploader("835 remittance or 837 claim files", accept_multiple_files=True,
                         help=f"Remittances (835) and billed claims (837), up to {limit} MB each. Each file loads whole "
                              "or not at all; a file already loaded is recognised by its content and skipped. Your own "
                              "files go to your own database, never the demo's.")
hashed = hash_choice("x12_hash")
if x12_files and st.button("Load", type="primary"):
    accepted, refused = uploads.screen([(f.name, f.getvalue()) for f in x12_files], limit)
    for refusal in refused:
        st.error(ui.md(refusal.message))
    if accepted:
        try:
            with st.spinner(f"Loading {len(accepted)} file(s)..."), privacy.hashing(hashed):
                results = data.load_uploads(accepted)  # after a load in progress, if there is one
        except updates.Busy as e:
            st.error(ui.md(e))
        else:
            st.cache_data.clear()
            show(results)

st.subheader("Load CSV exports")
st.caption("Claims and remittances exported by a practice-management system, in the layouts of docs/csv.md, or "
           "in another layout described by a mapping file (TOML; examples in docs/csv-mappings/). A file with a "
           "bad row loads nothing; its problems are listed by line number.")
layout = st.radio("Layout", csv_import.LAYOUTS, horizontal=True, key="csv_layout",
                  format_func={"claims": "Claims (billed lines)", "remittances": "Remittance lines"}.get)
csv_uploads = st.file_uploader("CSV files", type=["csv", "txt", "tsv"], accept_multiple_files=True, key="csv_files")
csv_hashed = hash_choice("csv_hash")
mapping = st.file_uploader("Mapping file (optional)", type=["toml"], key="csv_mapping",
                           help="Which of your export's columns is each of ours, its date format and decimal mark, "
                                "constants for columns it lacks: docs/csv.md.")
if csv_uploads and st.button("Load CSV", type="primary", key="csv_load"):
    accepted, refused = uploads.screen([(f.name, f.getvalue()) for f in csv_uploads], limit)
    for refusal in refused:
        st.error(ui.md(refusal.message))
    results = []
    try:
        if accepted:
            with st.spinner(f"Loading {len(accepted)} file(s)..."), privacy.hashing(csv_hashed):
                results = data.load_csv_uploads(layout, accepted, (mapping.name, mapping.getvalue()) if mapping else None)
    except csv_import.MappingError as e:
        st.error(f"{ui.md(e)}; nothing loaded")
    except updates.Busy as e:
        st.error(ui.md(e))
    else:
        if results:
            st.cache_data.clear()
        show(results)

st.subheader("Loaded files")
files = data.query("app/loaded_files")
if not ui.empty(files, "file"):
    ui.table(files, "loaded_files", "Newest first. Payments: 835 transaction sets; diagnostics: problems found while "
             "loading (balance breaks, envelope counts, unreadable values), kept with the file.")

st.subheader("Export")
st.caption("Every documented view (payments, claims, service lines, adjustments, remarks, provider adjustments, "
           "denials) as Parquet files in one zip; docs/views.md describes the columns.")
if st.button("Prepare Parquet export"):
    st.download_button("Download views.zip", data.export_parquet(), "views.zip", "application/zip")
