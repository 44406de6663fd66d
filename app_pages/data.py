"""Data: load remittance files and practice-management CSV exports, see what is loaded, export the views."""

import pandas as pd
import streamlit as st

from analytics import csv_import, data, ui

st.title("Data")


def show(results: list) -> None:
    """One message per file: what it added, or why nothing was loaded (a CSV file's bad rows listed)."""
    for result in results:
        text = f"**{result.path.name}**: {result.line().split(': ', 1)[-1]}"
        if result.failed:
            st.error(text)
            if result.problems:
                ui.table(pd.DataFrame(result.problems, columns=["line", "column", "problem"]),
                         f"problems_{result.path.stem}", "Rows that cannot be read, by line number in the file "
                         "(the header is line 1). Nothing of this file was loaded: correct them and load it again.")
        elif result.status == "loaded":
            st.success(text)
            if result.diagnostics:
                with st.expander(f"{result.diagnostics} diagnostic(s) in {result.path.name}"):
                    ui.table(data.query("app/file_diagnostics", {"file_name": result.path.name}),
                             f"diagnostics_{result.path.stem}", "Problems found while loading: the file was "
                             "loaded; these show where it breaks balance or structure (segment = position in "
                             "the file; the line number for a CSV file).")
        else:
            st.info(text)


st.subheader("Load 835 files")
uploads = st.file_uploader("835 remittance files", accept_multiple_files=True,
                           help="Each file loads whole or not at all; a file already loaded is recognised by its "
                                "content and skipped. Your own files go to your own database, never the demo's.")
if uploads and st.button("Load", type="primary"):
    with st.spinner(f"Loading {len(uploads)} file(s)..."):
        results = data.load_uploads([(f.name, f.getvalue()) for f in uploads])
    st.cache_data.clear()
    show(results)

st.subheader("Load CSV exports")
st.caption("Claims and remittances exported by a practice-management system, in the layouts of docs/csv.md, or "
           "in another layout described by a mapping file (TOML; examples in docs/csv-mappings/). A file with a "
           "bad row loads nothing; its problems are listed by line number.")
layout = st.radio("Layout", csv_import.LAYOUTS, horizontal=True, key="csv_layout",
                  format_func={"claims": "Claims (billed lines)", "remittances": "Remittance lines"}.get)
csv_uploads = st.file_uploader("CSV files", type=["csv", "txt", "tsv"], accept_multiple_files=True, key="csv_files")
mapping = st.file_uploader("Mapping file (optional)", type=["toml"], key="csv_mapping",
                           help="Which of your export's columns is each of ours, its date format and decimal mark, "
                                "constants for columns it lacks: docs/csv.md.")
if csv_uploads and st.button("Load CSV", type="primary", key="csv_load"):
    try:
        with st.spinner(f"Loading {len(csv_uploads)} file(s)..."):
            results = data.load_csv_uploads(layout, [(f.name, f.getvalue()) for f in csv_uploads],
                                            (mapping.name, mapping.getvalue()) if mapping else None)
    except csv_import.MappingError as e:
        st.error(f"{e}; nothing loaded")
    else:
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
