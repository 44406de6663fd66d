"""What changed: the change findings (analytics/findings/), their attribution and p-charts."""

import pandas as pd
import streamlit as st

from analytics import findings, ui

st.title("What changed")
kind = st.radio(
    "Compare",
    list(findings.PERIOD_KINDS),
    horizontal=True,
    key="findings_period",
    format_func=lambda k: findings.PERIOD_KINDS[k],
    help="By the payment month of each claim's first adjudication; only months over on the data date "
    "(a partial month is never compared).",
)
result = ui.change_findings(kind)
if result is None:
    st.info(ui.no_comparison_reason(kind=kind))
    st.stop()
period = result.period
st.caption(
    f"{period.label} against {period.baseline_label.removeprefix('in ').removeprefix('over ')}: "
    f"{len(result.tested)} slices tested (payer, category, reason, code, modifier, site and their pairs) on "
    "HFMA's initial denial rate by claims, by the month of each claim's first adjudication (its payment date: "
    "a month is final once over, while months by date of service, the Overview's default, keep filling; so "
    "the two rates of one month differ). A finding changed more than chance allows with at most "
    f"{findings.FDR:.0%} false findings expected among them (Benjamini-Hochberg q ≤ {findings.FDR}). "
    "The sidebar's filters do not apply here: every slice is tested."
)

names = {"category": ui.category_labels(), "site": ui.site_labels()}
# a change found on several slices (the payer, the payer × category, the sites of one program) is listed once,
# as on the Overview and the Monthly review; the others are named under it
changes = result.changes
st.subheader(f"Findings: {len(changes)}")
if not changes:
    st.success(f"No slice changed more than chance allows in {period.label}.")
elif len(result.findings) > len(changes):
    st.caption(
        f"{len(result.findings)} slices changed more than chance allows. One change shows in several slices: "
        "those with the same claims as a more specific one, and those whose moved denials are mostly a larger "
        "finding's, for its leading reason, are named under it."
    )


def counts(finding: dict) -> str:
    return (
        f"{finding['denied_claims']:,} of {finding['claims']:,} claims denied; baseline "
        f"{finding['baseline_denied_claims']:,} of {finding['baseline_claims']:,}. Change "
        f"{finding['rate_change'] * 100:+.1f} points (95% CI {finding['ci_low'] * 100:+.1f} to "
        f"{finding['ci_high'] * 100:+.1f}); p = {finding['p_value']:.2g}, q = {finding['q_value']:.2g} "
        f"({finding['test']}). Effect {findings.money(finding['effect_amount'])}: the excess denied claims at "
        "the period's denied $ per denied claim."
    )


ui.finding_rows(findings.shown(result, changes[:20]), period, note=counts)
# every slice is tested whatever the filters; the one they name, if any, is said apart
ui.filtered_slice_change(st.session_state["filters"], period=period, tested=result.tested)

named = {findings.slice_label(r): findings.slice_label(r, names) for r in result.tested}
tested = pd.DataFrame(
    [
        {
            "slice": findings.slice_label(r, names),
            "dimension": findings.DIMENSIONS[r["dimension"]][0],
            "claims": r["claims"],
            "denied_claims": r["denied_claims"],
            "claim_denial_rate": r["claim_denial_rate"],
            "baseline_claims": r["baseline_claims"],
            "baseline_rate": r["baseline_claim_denial_rate"],
            "change_ci_low": r["ci_low"] * 100,  # in percentage points, as the sentences say them
            "change_ci_high": r["ci_high"] * 100,
            "effect_amount": float(r["effect_amount"]),
            "p": r["p_value"],
            "q": r["q_value"],
            "direction": r["direction"],
            "finding": r["finding"],
            "listed_under": named.get(r.get("part_of")),
            "test": r["test"],
        }
        for r in result.tested
    ]
)
with st.expander(f"Every slice tested ({len(tested)})"):
    ui.table(
        tested,
        f"change_findings_{kind}",
        "Slices with fewer than "
        f"{findings.MIN_CLAIMS} claims in the period, {findings.MIN_BASELINE_CLAIMS} in the baseline or "
        f"{findings.MIN_DENIED} denied claims in both are not tested: no change there could pass the bar.",
        claim_denial_rate=st.column_config.NumberColumn("rate", format="percent"),
        baseline_rate=st.column_config.NumberColumn("baseline rate", format="percent"),
        effect_amount=st.column_config.NumberColumn("effect $", format="dollar"),
    )

st.subheader("What explains the change")
for tab, dimension in zip(st.tabs(["By payer", "By site of care"]), findings.PARTITIONS, strict=True):
    with tab:
        parts = result.attribution[dimension]
        st.markdown(ui.md(findings.attribution_sentence(parts, period, names.get(dimension))))
        ui.attribution_tables(parts, dimension, f"{dimension}_{kind}")

st.subheader("Control charts")
st.caption(
    "p-charts of the monthly claim denial rate: centre line at the baseline's rate, limits at 3 standard errors "
    "for each month's claims (widened by Laney's σz when the baseline months vary more than chance); a month "
    "outside the limits is ringed red."
)
for column, dimension, label in zip(st.columns(2), ("payer", "category"), ("Payer", "Category"), strict=True):
    with column:
        charts = {k: v for k, v in result.charts(dimension).items() if v}
        if not charts:
            continue
        order = sorted(charts, key=lambda k: (-sum(p["outside"] for p in charts[k]), str(k)))
        names = ui.category_labels() if dimension == "category" else {}
        picked = st.selectbox(
            label, order, key=f"pchart_{dimension}", format_func=lambda k, names=names: names.get(k, k)
        )
        ui.p_chart(pd.DataFrame(charts[picked]), names.get(picked, str(picked)))
