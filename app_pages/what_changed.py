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

st.subheader(f"Findings: {len(result.findings)}")
if not result.findings:
    st.success(f"No slice changed more than chance allows in {period.label}.")


def counts(finding: dict) -> str:
    return (
        f"{finding['denied_claims']:,} of {finding['claims']:,} claims denied; baseline "
        f"{finding['baseline_denied_claims']:,} of {finding['baseline_claims']:,}. Change "
        f"{finding['rate_change'] * 100:+.1f} points (95% CI {finding['ci_low'] * 100:+.1f} to "
        f"{finding['ci_high'] * 100:+.1f}); p = {finding['p_value']:.2g}, q = {finding['q_value']:.2g} "
        f"({finding['test']}). Effect {findings.money(finding['effect_amount'])}: the excess denied claims at "
        "the period's denied $ per denied claim."
    )


ui.finding_rows(findings.shown(result, result.findings[:20]), period, note=counts)

names = {"category": ui.category_labels(), "site": ui.site_labels()}
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
        frame = pd.DataFrame(
            [
                {
                    dimension: str(r["value"]),
                    "claim_share_before": float(r["claim_share_before"]),
                    "claim_share_after": float(r["claim_share_after"]),
                    "rate_before": float(r["rate_before"]),
                    "rate_after": float(r["rate_after"]),
                    "rate_effect": float(r["rate_effect"]) * 100,
                    "mix_effect": float(r["mix_effect"]) * 100,
                    "total": float(r["total"]) * 100,
                    "dollar_rate_effect": float(r["dollar_rate_effect"]),
                    "dollar_mix_effect": float(r["dollar_mix_effect"]),
                }
                for r in parts["rows"]
            ]
        )
        points = {"format": "%+.2f"}
        ui.table(
            frame,
            f"attribution_{dimension}_{kind}",
            f"The overall claim denial rate moved {float(parts['rate_change']) * 100:+.2f} points: each "
            f"{dimension}'s rate effect (its own rate changed, at its average share of claims) plus its mix "
            "effect (its share of claims changed, at its average rate) add up exactly to that. Denied $ a month "
            f"moved {findings.money(parts['denied_change'])}: {findings.money(parts['volume_effect'])} from the "
            "volume of charges, the rest per slice by its denied $ per charged $ (rate) and its share of charges "
            "(mix). "
            "Symmetric shift-share decomposition; docs/views.md.",
            claim_share_before=st.column_config.NumberColumn("share before", format="percent"),
            claim_share_after=st.column_config.NumberColumn("share after", format="percent"),
            rate_before=st.column_config.NumberColumn("rate before", format="percent"),
            rate_after=st.column_config.NumberColumn("rate after", format="percent"),
            rate_effect=st.column_config.NumberColumn("rate effect (points)", **points),
            mix_effect=st.column_config.NumberColumn("mix effect (points)", **points),
            total=st.column_config.NumberColumn("total (points)", **points),
            dollar_rate_effect=st.column_config.NumberColumn("rate effect $ a month", format="dollar"),
            dollar_mix_effect=st.column_config.NumberColumn("mix effect $ a month", format="dollar"),
        )

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
