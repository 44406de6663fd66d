"""Data: load remittance files, see what is loaded, export the views."""

import streamlit as st

from analytics import data, ui

st.title("Data")

st.subheader("Load 835 files")
uploads = st.file_uploader("835 remittance files", accept_multiple_files=True,
                           help="Each file loads whole or not at all; a file already loaded is recognised by its "
                                "content and skipped. Your own files go to your own database, never the demo's.")
if uploads and st.button("Load", type="primary"):
    with st.spinner(f"Loading {len(uploads)} file(s)..."):
        results = data.load_uploads([(f.name, f.getvalue()) for f in uploads])
    st.cache_data.clear()
    for result in results:
        text = f"**{result.path.name}**: {result.line().split(': ', 1)[-1]}"
        if result.failed:
            st.error(text)
        elif result.status == "loaded":
            st.success(text)
            if result.diagnostics:
                with st.expander(f"{result.diagnostics} diagnostic(s) in {result.path.name}"):
                    ui.table(data.query("app/file_diagnostics", {"file_name": result.path.name}),
                             f"diagnostics_{result.path.stem}", "Problems found while loading: the file was "
                             "loaded; these show where it breaks balance or structure (segment = position in the file).")
        else:
            st.info(text)

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
