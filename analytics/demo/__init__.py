"""A realistic synthetic remittance history: the demo database, and scale data for benchmarks.

`python -m analytics demo` simulates a practice that bills office visits, drug administration and
single-dose drugs to ten payers for N months, writes the 837 claims it sends (one file per weekday,
analytics.claim_writer) and one valid 005010X221A1 835 per payer per payment run (analytics.remittance_writer,
exact balancing), and loads them through the normal loader. The same seed gives the same files.

Assumptions, and the facts from ../shared/DOMAIN.md they rest on:
- Payers (§1 CLP06): a Medicare Part B contractor (MB), Medicaid (MC), a Medicare Advantage HMO (16),
  commercial PPO/POS/EPO/indemnity/HMO plans (12, 13, 14, 15, HM) and a workers' comp carrier (WC).
  Each has its own initial denial rate (5-20%), mix of denial categories (§3), allowed share of charges,
  patient cost share, days to pay and weekly payment-run weekday.
- Denials arrive as CLP02 1 with $0 or reduced payment and the reason in CAS + RARC, not as CLP02 4
  (§2, X12 RFI 1423). Each category uses CARCs of §3 with the RARC that goes with them (CO-16 + M127,
  CO-151 + N362, CO-16 + N822 for a missing JW/JZ, PR-96 + N130 after a waiver with modifier GA).
- Paid lines carry CO-45 (contractual write-down), PR-1/2/3 (patient share) and, for Medicare, CO-253
  sequestration (2% of the payment): none of these is a denial (§2).
- Procedures: E/M visits (9921x, 99204), drug administration (96365, 96366, 96372, 96413) and
  single-dose drugs billed in units of the HCPCS descriptor (§6, CMS HCPCS July 2024): J1322
  elosulfase alfa per 1 mg, J1428 eteplirsen per 10 mg, J3399 onasemnogene per treatment, J1745
  infliximab per 10 mg, J2506 pegfilgrastim per 0.5 mg, J0897 denosumab per 1 mg. Part of a vial left
  over is billed on its own line with JW; a line with nothing discarded carries JZ (§4; required by
  Medicare from July 2023). JG/TB mark some 340B-acquired drugs on hospital outpatient claims; PO/PN
  mark off-campus hospital outpatient lines.
- Sites (§4): professional claims at POS 11, 12, 19 and 22 (CLP08), institutional claims at TOB 131
  (CLP08 13, CLP09 1) with revenue codes.
- Units cut by MUE: SVC07 (billed) above SVC05 (paid), CO-151 + N362 on the excess (§4).
- Patterns that change over time: Medicare Advantage starts requiring prior authorisation for drugs in
  month 10 (CO-197 spike that fades as staff catch up); the POS 19 site drops JW/JZ in months 6-11
  (CO-16 + N822 from Medicare); a staffing gap in months 15-16 sends claims late (CO-29 from plans
  with a 90-day filing limit); BLUE RIDGE PPO starts a site-of-care program in month 23, the last
  complete month of the default history: an edit on the claims it processes from then denies infliximab
  given in a hospital outpatient department (POS 19, POS 22, TOB 13x) CO-58 + N428, save for the
  exceptions granted (a quarter). The demo's prevention rules hold both payers' policies.
- Recoveries (§5): part of the denials come back weeks or months later: a CLP02 22 reversal followed
  by a new payment, a payment after a corrected claim (CLP09 7), or a later payment without reversal;
  some appeals are upheld (CO-193). Overpayments are recouped through PLB WO naming the payer's claim
  number; slow payers add PLB L6 interest.
- Claims (§1, §4): each claim goes out in an 837 (005010X222A1 professional, 005010X223A2 institutional)
  in the batch of the weekday before the payer receives it (DTM*050 of its 835) or of that day. CLM01 =
  CLP01, CLM05 = CLP08 : B or A : CLP09; lines carry what the 835 echoes (procedure and modifiers, charge,
  revenue code, the billed units that SVC07 repeats when the payer cut them, REF*6R) and drug lines an NDC
  (LIN*N4, one invented number per drug code); an ICD-10-CM diagnosis fits the kind of visit. A claim
  paid after a correction is replaced (frequency 7, REF*F8 = the payer's claim number) a few days before
  that payment run; reversals, later payments and upheld appeals need no new claim.
- Prior authorisation numbers (REF*G1): the Medicare Advantage plan's drug claims carry one from month 10,
  but those it denied CO-197, which were sent without; about 10% of other payers' drug claims carry one,
  and a replacement after an authorisation denial carries the number obtained since.
- Claims never answered: about 0.5% are lost by the payer (sent, never adjudicated, no 835); claims sent
  in the last weeks wait for a payment run after the end. What only the 837s need is drawn from a random
  generator of their own, so they leave the 835s as they are.
Names, member ids, addresses, birth dates, authorisation numbers, NDCs and NPIs are invented.

The package: `practice` (the practice and its payers: rates, codes, sites, names: the assumptions above as
data), `history` (`Generator`: the months of claims, adjudications, payments and recoveries, written as 837
and 835 files), `writing` (`generate` in one or several processes, `build`: written and loaded as the demo
database; a history in several shards is loaded month by month while the shards write the next).
"""

from __future__ import annotations

from analytics.demo.history import Generator, Summary
from analytics.demo.practice import CLUSTER, DEFAULT_END, DRUGS, PAYERS, PRIOR_AUTH_PAYER, TOLERANCE_SIGMAS
from analytics.demo.writing import build, generate

__all__ = [
    "DEFAULT_END",
    "PAYERS",
    "PRIOR_AUTH_PAYER",
    "TOLERANCE_SIGMAS",
    "CLUSTER",
    "DRUGS",
    "Summary",
    "Generator",
    "generate",
    "build",
]
