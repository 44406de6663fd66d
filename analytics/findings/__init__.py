"""Change findings: what moved in the claim denial rate, whether it is more than chance, and why.

For a period against its baseline (the last complete month against the 12 complete months before it;
or a month against the month before; a quarter against the quarter before) every slice (payer,
category, reason, reason + remark, code, modifier, site of care, and the pairs payer × category,
payer × code, code × site, payer × modifier, site × category) is compared on HFMA's initial denial rate
by claims (queries/findings/slices.sql counts, from the one claim-level definition in initial_claims):

- the test (`chance`): when the baseline months' rates vary more than binomial chance allows (Pearson
  dispersion above 1), a beta-binomial test with that overdispersion, the baseline rate's own uncertainty
  folded in; otherwise Fisher's exact test of the period's claims against the baseline's. Two-sided.
- the false-discovery control (`slices`): Benjamini-Hochberg q-values across every slice tested in the
  period; a slice with q <= FDR is a finding.
- the interval (`chance`): Newcombe's hybrid score interval (from Wilson intervals) of the rate change,
  with the sample sizes shrunk by the overdispersion (the design effect).
- the effect in dollars (`slices`): the excess denied claims against the baseline rate (denied claims less
  the period's claims x the baseline rate), each valued at the period's denied $ per denied claim.
- one change (`changes`): findings most of whose moved denials (per payer × site × code × reason, the
  period's less the baseline's) moved, for the same reason, in a finding with a larger dollar effect are
  listed under it as parts of its change (a payer's program at three sites is one change, not seven).
- attribution (`attribution`): the change of the overall rate (and of denied $ a month) split exactly into
  rate and mix effects per payer and per site of care (symmetric shift-share), the slices that partition
  the claims.
- p-charts (`control_charts`, Laney's p' when the baseline is overdispersed) per payer and per category.

The periods are in `periods`, a finding's sentence in `sentences`, one period's whole computation in
`analysis`, and the findings stored after each load in `store`. Money stays Decimal; rates and p-values
are floats. docs/views.md (`change_findings`) explains each method in plain words with its reference.
The after-load step (analytics/derived.py) hashes every module of this package, with the findings' SQL,
to decide when the stored findings are computed again. How the pages read them is elsewhere
(data.change_findings, ui.finding_views).
"""

from analytics.findings.analysis import Result, compute, shown, stored
from analytics.findings.attribution import (
    PARTITIONS,
    attribution,
    attribution_sentence,
    overall_change,
    overall_sentence,
)
from analytics.findings.chance import FDR, beta_binomial_tails, fisher_two_sided, test
from analytics.findings.control_charts import p_chart
from analytics.findings.periods import (
    BASELINE_MONTHS,
    MIN_BASELINE_MONTHS,
    PERIOD_KINDS,
    Fetch,
    Period,
    fetcher,
    latest_period,
    no_latest_period_reason,
    no_period_reason,
    payment_months,
    period_for,
)
from analytics.findings.sentences import filtered_slice_sentence, money, parts_sentence
from analytics.findings.slices import (
    DIMENSIONS,
    KEYS,
    MIN_BASELINE_CLAIMS,
    MIN_CLAIMS,
    MIN_DENIED,
    analyse,
    claims_filters,
    findings_inside,
    monthly_slices,
    slice_label,
    slice_of,
    slice_row,
    sparkline,
)
from analytics.findings.store import refresh

__all__ = [
    "BASELINE_MONTHS",
    "DIMENSIONS",
    "FDR",
    "KEYS",
    "MIN_BASELINE_CLAIMS",
    "MIN_BASELINE_MONTHS",
    "MIN_CLAIMS",
    "MIN_DENIED",
    "PARTITIONS",
    "PERIOD_KINDS",
    "Fetch",
    "Period",
    "Result",
    "analyse",
    "attribution",
    "attribution_sentence",
    "beta_binomial_tails",
    "claims_filters",
    "compute",
    "fetcher",
    "filtered_slice_sentence",
    "findings_inside",
    "fisher_two_sided",
    "latest_period",
    "money",
    "monthly_slices",
    "no_latest_period_reason",
    "no_period_reason",
    "overall_change",
    "overall_sentence",
    "p_chart",
    "parts_sentence",
    "payment_months",
    "period_for",
    "refresh",
    "shown",
    "slice_label",
    "slice_of",
    "slice_row",
    "sparkline",
    "stored",
    "test",
]
