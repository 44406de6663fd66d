"""The demo history: `Generator` walks the months, sending claims (837) and answering them in each payer's
payment runs (835), with denials, recoveries and the dated patterns; `Summary` holds the figures a load of
its files must reproduce.

About 700 lines, past the ~400 the house keeps to: one class that carries the history's state (the
random generators, the claims waiting for a payment run, the counts) through every step of a claim's
life; its methods read best side by side."""

from __future__ import annotations

import dataclasses
import heapq
import random
from bisect import bisect
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

from analytics.claim_writer import BilledClaim, BilledLine, Provider, write_837
from analytics.demo.practice import (
    ADMIN,
    CLAIM_WIDE,
    DEFAULT_END,
    DIAGNOSES,
    DRUG_WEIGHTS,
    DRUGS,
    FIRST,
    LAST,
    LOST_RATE,
    NDC,
    OTHER_AUTH_RATE,
    PAYEE,
    PAYERS,
    PRIOR_AUTH_PAYER,
    REASONS,
    RECOVERY_RATE,
    SECONDARY,
    SITE_OF_CARE_CODE,
    SITE_OF_CARE_DENIED,
    SITE_OF_CARE_PAYER,
    SITE_OF_CARE_SITES,
    SITE_OF_CARE_START,
    SITES,
    UPHELD_RATE,
    VISITS,
    PayerProfile,
    Procedure,
)
from analytics.ingest import memory
from analytics.remittance_writer import Adjustment, Claim, Line, Payment, write_835


@dataclass
class Summary:
    """What the generator wrote: the figures a load of its files must reproduce exactly."""

    files: int = 0
    payments: int = 0
    claims: int = 0
    lines: int = 0
    adjustments: int = 0
    charge_cents: int = 0
    paid_cents: int = 0
    provider_adjustment_cents: int = 0
    recoveries: dict = field(default_factory=lambda: defaultdict(int))  # path -> count
    paths: list = field(default_factory=list)  # (claim id, path, cents recovered) per denied claim followed up
    # the 837s: files (one per day claims are sent), claims (originals and replacements) and lines
    claim_files: int = 0
    billed_claims: int = 0
    billed_lines: int = 0
    corrected_claims: int = 0  # replacement claims (frequency 7, REF*F8) among them
    unanswered: list = field(default_factory=list)  # claim ids sent and lost by the payer: no 835 at all
    awaiting: list = field(default_factory=list)  # claim ids sent whose first 835 comes after the end
    prior_authorizations: list = field(default_factory=list)  # (claim id, frequency) of 837 claims with REF*G1
    seconds_writing: float = 0.0
    seconds_loading: float = 0.0  # after the writing (when overlapped, the loading still to do then)
    overlapped: bool = False  # loaded month by month while it was written (several shards)


class _Event(NamedTuple):
    """A claim adjudication waiting for its payer's payment run (ordered by run, then seq: unique)."""

    run: date
    seq: int
    payer: int
    claim: Claim


class _Weighted:
    """rng.choices(population, weights)[0] with the cumulative weights summed once: the same draw (one
    rng.random(), bisected the same way), without rebuilding them on every call."""

    __slots__ = ("population", "cumulative", "total", "hi")

    def __init__(self, population, weights):
        self.population = tuple(population)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1] + 0.0
        self.hi = len(self.population) - 1

    def draw(self, rng: random.Random):
        return self.population[bisect(self.cumulative, rng.random() * self.total, 0, self.hi)]


@dataclass(frozen=True)
class _Mix:
    """A payer's denial mix as adjudicate() draws from it, computed once per payer."""

    claim_rate: float  # probability that a claim is denied as a whole
    claim_wide: _Weighted | None  # its category
    per_line: tuple  # the categories that deny one line
    line_rate: float  # probability that a line is denied for one of them
    line_category: _Weighted | None


def _mix(profile: PayerProfile) -> _Mix:
    mix = profile.mix
    total = sum(mix.values())
    whole = [c for c in mix if c in CLAIM_WIDE]
    per_line = [c for c in mix if c not in CLAIM_WIDE]
    return _Mix(
        profile.denial_rate * sum(mix[c] for c in whole) / total,
        _Weighted(whole, [mix[c] for c in whole]) if whole else None,
        tuple(per_line),
        profile.denial_rate * sum(mix[c] for c in per_line) / total,
        _Weighted(per_line, [mix[c] for c in per_line]) if per_line else None,
    )


_PAYER = _Weighted(range(len(PAYERS)), [p.share for p in PAYERS])
_SITE = _Weighted(SITES, [s[3] for s in SITES])
_DRUG = _Weighted(DRUGS, DRUG_WEIGHTS)
_MIXES = tuple(_mix(profile) for profile in PAYERS)


class Generator:
    def __init__(
        self,
        months: int = 24,
        lines: int = 75_000,
        seed: int = 1,
        end: date = DEFAULT_END,
        shard: int = 0,
        patterns: bool = True,
    ):
        # patterns=False: the same practice without the dated patterns of the module docstring (the
        # pattern draws are still made, so the rest of the history draws as it would)
        self.patterns = patterns
        # a shard is an independent part of a large history (its own patients, claims and files)
        self.rng = random.Random(seed * 1000 + shard)
        # what only the 837s need draws from its own generator: the 835s are the same with or without it
        self.claim_rng = random.Random(f"837:{seed}:{shard}")
        self.batches: dict = defaultdict(list)  # send date -> [(BilledClaim, 'lost' | 'awaiting' | None)]
        self.batch_count = 0
        self.shard = shard
        self.end = end
        first = date(end.year, end.month, 1)
        for _ in range(months - 1):
            first = (first - timedelta(days=1)).replace(day=1)
        self.start = first
        self.months = months
        self.target_lines = lines
        self.seq = 0
        self.claim_number = 0
        self.paid_history: dict = defaultdict(list)  # payer -> [(run date, payer claim number, cents)]
        self.forward: dict = {}  # payer -> cents owed back from a run that would have been negative
        self.denied_claims: set = set()  # claim ids with a denial: PLB WO recoupments leave them alone

    # -- the calendar -------------------------------------------------------------------------------
    def month_index(self, day: date) -> int:
        return (day.year - self.start.year) * 12 + day.month - self.start.month + 1

    def month_start(self, month: int) -> date:
        """The first day of the history's month `month` (1 for the first): month_index's inverse."""
        index = self.start.month - 1 + month - 1
        return date(self.start.year + index // 12, index % 12 + 1, 1)

    def run_date(self, profile: PayerProfile, ready: date) -> date:
        """The payer's first weekly payment run on or after `ready`."""
        return ready + timedelta(days=(profile.weekday - ready.weekday()) % 7)

    # -- writing ------------------------------------------------------------------------------------
    def write(self, out: Path, month_written: Callable[[date], None] | None = None) -> Summary:
        """Simulate the whole period and write the 837 and 835 files to `out`; returns what was written.
        `month_written(day)`, when given, is called on the last day of each month once every file dated
        up to that day is written (no later step writes a file dated before the day it runs): a loader
        may take them while the next month is written."""
        with memory.no_cycle_collection():  # its claims, events and summaries hold no cycles
            return self._write(out, month_written)

    def _write(self, out: Path, month_written: Callable[[date], None] | None) -> Summary:
        out.mkdir(parents=True, exist_ok=True)
        summary = Summary()
        pending: list[_Event] = []
        days = (self.end - self.start).days + 1
        # about 2.5 lines per claim, and one line in six more comes back in a later adjudication
        per_day = self.target_lines / days / 3.1
        carry = 0.0
        day = self.start
        control = self.shard * 10_000_000  # interchange control numbers stay unique across shards
        # payment runs after the end have not happened yet: what is pending then is never written
        while day <= self.end:
            if day <= self.end and day.weekday() < 5:
                carry += per_day * 7 / 5
                while carry >= 1:
                    carry -= 1
                    for event in self.encounter(day, summary):
                        heapq.heappush(pending, event)
            runs: dict = defaultdict(list)
            while pending and pending[0].run <= day:
                event = heapq.heappop(pending)
                runs[event.payer].append(event.claim)
            for payer_index in sorted(runs):
                control += 1
                self.pay(payer_index, day, runs[payer_index], control, out, summary)
            if day in self.batches:
                self.send(day, self.batches.pop(day), out, summary)
            if month_written and (day == self.end or (day + timedelta(days=1)).day == 1):
                month_written(day)
            day += timedelta(days=1)
        return summary  # claims to be sent after the end (self.batches) have not been sent yet

    def send(self, day: date, batch: list, out: Path, summary: Summary) -> None:
        """Write the day's submission batch: one 837 interchange."""
        self.batch_count += 1
        control = self.shard * 1_000_000 + self.batch_count
        claims = [claim for claim, _ in batch]
        (out / f"{day:%Y%m%d}_CLAIMS_{control:07d}.837").write_text(write_837(claims, day, control, PROVIDER))
        summary.claim_files += 1
        for claim, fate in batch:
            summary.billed_claims += 1
            summary.billed_lines += len(claim.lines)
            summary.corrected_claims += claim.frequency == "7"
            if claim.prior_authorization:
                summary.prior_authorizations.append((claim.claim_id, claim.frequency))
            if fate == "lost":
                summary.unanswered.append(claim.claim_id)
            elif fate == "awaiting":
                summary.awaiting.append(claim.claim_id)

    def pay(self, payer_index: int, day: date, claims: list, control: int, out: Path, summary: Summary) -> None:
        profile = PAYERS[payer_index]
        payment = Payment(
            profile.payer,
            *PAYEE,
            trace_number=f"{profile.payer.payer_id}{control:08d}",
            payment_date=day,
            claims=claims,
        )
        rng = self.rng
        paid = [claim.paid for claim in claims]  # each claim's payment, summed once
        plb = payment.provider_adjustments

        def amount() -> int:  # payment.amount, without summing the claims again
            return claims_paid - sum(cents for _, _, cents in plb)

        claims_paid = sum(paid)
        # Now and then an overpayment on a claim paid weeks ago is recouped (PLB WO naming the payer's
        # claim number), when this run pays enough to absorb it; slow payers add interest (L6,
        # negative: it adds to the payment).
        history = self.paid_history[payer_index]
        if history and history[0][0] <= day - timedelta(days=45) and rng.random() < 0.1:
            _, number, cents = history.pop(0)
            recouped = min(cents, max(500, cents // 3))
            if amount() - recouped >= 0:
                plb.append(("WO", number, recouped))
        if profile.interest and amount() > 0 and rng.random() < 0.3:
            plb.append(("L6", "INTEREST", -max(1, amount() // 400)))
        # A balance owed from an earlier run is taken back first (PLB FB, positive); a run that would
        # be negative (a reversal larger than what else is paid) pays zero and forwards the rest.
        owed = self.forward.pop(payer_index, 0)
        if owed:
            plb.append(("FB", "BALANCE", owed))
        if amount() < 0:
            self.forward[payer_index] = -amount()
            plb.append(("FB", "BALANCE", -self.forward[payer_index]))
        history += [
            (day, c.payer_claim_number, cents)
            for c, cents in zip(claims, paid, strict=True)
            if c.status == "1" and cents > 0 and c.claim_id not in self.denied_claims
        ]
        del history[:-200]
        name = f"{day:%Y%m%d}_{profile.payer.payer_id}_{control:06d}.835"
        (out / name).write_text(write_835(payment, control))
        summary.files += 1
        summary.payments += 1
        summary.claims += len(claims)
        summary.paid_cents += claims_paid
        for claim in claims:
            summary.lines += len(claim.lines)
            summary.adjustments += len(claim.adjustments)
            for line in claim.lines:
                summary.adjustments += len(line.adjustments)
            summary.charge_cents += claim.charge
        summary.provider_adjustment_cents += sum(cents for _, _, cents in plb)

    # -- one visit ----------------------------------------------------------------------------------
    def encounter(self, day: date, summary: Summary) -> list[_Event]:
        rng = self.rng
        # a claim the payer loses is adjudicated all the same (the same draws), then forgotten
        lost = self.claim_rng.random() < LOST_RATE
        payer_index = _PAYER.draw(rng)
        profile = PAYERS[payer_index]
        site, frequency, institutional, _ = _SITE.draw(rng)
        month = self.month_index(day)
        self.claim_number += 1
        claim_id = f"R{'V' if not self.shard else self.shard}{self.claim_number:07d}"
        patient = (rng.choice(LAST), rng.choice(FIRST), f"M{rng.randrange(10**8, 10**9)}")
        lines = self.bill(day, site, institutional, profile, month)
        # Late submission during the staffing gap (months 15-16) pushes some claims past the limit.
        lag = rng.randint(2, 9)
        if month in (15, 16) and rng.random() < 0.25:
            late = rng.randint(95, 160)
            lag = late if self.patterns else lag
        received = day + timedelta(days=lag)
        claim = Claim(
            claim_id,
            "1",
            profile.filing_indicator,
            f"{profile.payer.payer_id}{self.shard}{self.claim_number:09d}",
            site,
            frequency,
            patient,
            day,
            day,
            received,
            lines,
        )
        billed = list(claim.lines)  # a claim denied as a whole loses its lines in the 835, not in the 837
        denied = self.adjudicate(claim, profile, payer_index, month, lag)
        ready = received + timedelta(days=max(3, int(rng.gauss(profile.days_to_pay, profile.days_to_pay / 4))))
        events = [self.event(payer_index, self.run_date(profile, ready), claim)]
        if denied:
            self.denied_claims.add(claim_id)
            events += self.recover(claim, denied, profile, payer_index, ready, Summary() if lost else summary)
        self.submit(claim, billed, denied, events, profile, payer_index, institutional, month, lost)
        return [] if lost else events

    # -- the 837s -----------------------------------------------------------------------------------
    def submit(
        self,
        claim: Claim,
        billed: list[Line],
        denied: list,
        events: list[_Event],
        profile: PayerProfile,
        payer_index: int,
        institutional: bool,
        month: int,
        lost: bool,
    ) -> None:
        """Put the claim as it was billed in the batch of the day it was sent (the day before the payer
        received it, or that day: the last weekday on or before), and a replacement claim a few days
        before the payment run that pays it after a correction."""
        rng = self.claim_rng
        sent = _weekday_on_or_before(claim.received - timedelta(days=rng.randint(0, 1)))
        drugs = [line.code for line in billed if line.code in NDC]
        kind = drugs[0] if drugs else "visit"
        diagnoses: tuple[str, ...] = (rng.choice(DIAGNOSES[kind]),)
        if rng.random() < 0.4:
            diagnoses += (rng.choice(_SECONDARY_BESIDE[diagnoses[0]]),)
        last, first, member = claim.patient
        sex = "M" if kind == "J1428" else _SEX[first]
        years = _AGES.get(kind) or ((65, 90) if profile.filing_indicator in ("MB", "16") else (19, 64))
        birth = claim.service_from - timedelta(days=rng.randint(years[0] * 365 + 60, years[1] * 365 + 300))
        # prior authorisation: the Medicare Advantage plan requires it for drugs from month 10; other
        # payers' drug claims carry one now and then; a claim denied CO-197 was sent without one
        without = any(a.reason == "197" for line in billed for a in line.adjustments)
        authorization = None
        if (
            drugs
            and not without
            and (month >= 10 and self.patterns if payer_index == PRIOR_AUTH_PAYER else rng.random() < OTHER_AUTH_RATE)
        ):
            authorization = f"PA{rng.randrange(10**8, 10**9)}"

        def lines(strip_waiver: bool) -> list[BilledLine]:
            out = []
            for line in billed:
                units = line.units_billed or line.units_paid
                vial = _VIAL_UNITS.get(line.code)
                modifiers = line.modifiers
                if strip_waiver and "GA" in modifiers:
                    modifiers = tuple(m for m in modifiers if m != "GA")
                out.append(
                    BilledLine(
                        line.code,
                        modifiers,
                        line.charge,
                        units,
                        line.service_date,
                        line.control,
                        line.revenue_code,
                        NDC.get(line.code),
                        _quantity(units, vial) if vial else None,
                    )
                )
            return out

        original = BilledClaim(
            claim.claim_id,
            profile.payer,
            profile.filing_indicator,
            claim.patient,
            birth,
            sex,
            institutional,
            claim.facility_code,
            claim.frequency,
            claim.service_from,
            claim.service_to,
            diagnoses,
            lines(False),
            authorization,
            related_cause="EM" if profile.filing_indicator == "WC" and not institutional else None,
        )
        fate = "lost" if lost else "awaiting" if events[0].run > self.end else None
        self.batches[sent].append((original, fate))
        if lost:
            return
        for event in events:
            if event.claim.frequency == "7":  # paid after a corrected claim: send the replacement first
                replacement = dataclasses.replace(
                    original, frequency="7", lines=lines(True), original_reference=claim.payer_claim_number
                )
                if denied[0][1] == "authorization" and not authorization:
                    replacement.prior_authorization = f"PA{rng.randrange(10**8, 10**9)}"  # obtained afterwards
                day = _weekday_on_or_before(event.run - timedelta(days=rng.randint(3, 10)))
                self.batches[day].append((replacement, None))
                break

    def event(self, payer_index: int, run: date, claim: Claim) -> _Event:
        self.seq += 1
        return _Event(run, self.seq, payer_index, claim)

    def bill(self, day: date, site: str, institutional: bool, profile: PayerProfile, month: int) -> list[Line]:
        rng = self.rng
        lines: list[Line] = []

        def add(procedure: Procedure, units: int, modifiers: tuple = ()):
            lines.append(
                Line(
                    procedure.code,
                    modifiers,
                    procedure.unit_cents * units,
                    units,
                    day,
                    f"{len(lines) + 1}",
                    revenue_code=procedure.revenue_code if institutional else None,
                )
            )

        kind = rng.random()
        if kind < 0.45 and not institutional:  # office or home visit, maybe an injection
            add(rng.choice(VISITS), 1, ("25",) if rng.random() < 0.2 else ())
            if rng.random() < 0.3:
                add(ADMIN[2], 1)
            return lines
        # an infusion or injection visit: administration, the drug, its waste, sometimes an E/M
        drug = _DRUG.draw(rng)
        add(
            ADMIN[3]
            if drug.code in ("J1745",) and rng.random() < 0.2
            else ADMIN[0]
            if drug.units[1] > 12
            else ADMIN[2],
            1,
        )
        if drug.units[1] > 12 and rng.random() < 0.5:
            add(ADMIN[1], rng.randint(*ADMIN[1].units))
        given = rng.randint(*drug.units)
        vials = -(-given // drug.vial_units)
        wasted = vials * drug.vial_units - given
        extra: tuple = ()
        if institutional:
            # an off-campus department: excepted (PO) or, for the newer one, non-excepted (PN)
            if rng.random() < 0.3:
                extra += ("PO",) if rng.random() < 0.7 else ("PN",)
            # a 340B-acquired drug: JG, or TB where the hospital is exempt from the payment cut
            if profile.filing_indicator == "MB" and rng.random() < 0.35:
                extra += ("JG",) if rng.random() < 0.8 else ("TB",)
        # JW/JZ: the POS 19 site stops sending them in months 6-11 (a compliance problem)
        drops_modifier = site == "19" and 6 <= month <= 11 and rng.random() < 0.6 and self.patterns
        if wasted and not drops_modifier:
            add(drug, given, extra)
            add(drug, wasted, ("JW", *extra))
        else:
            add(drug, given, extra if drops_modifier else ("JZ", *extra))
        if rng.random() < 0.25:
            add(rng.choice(VISITS[:2]), 1, ("25",))
        return lines

    def adjudicate(self, claim: Claim, profile: PayerProfile, payer_index: int, month: int, lag: int) -> list[tuple]:
        """Adjust every line; return (line index, denial category) per denied line, or (None, category)
        once when the whole claim is denied at claim level.

        A unit (line) is denied with the payer's rate; the category follows the payer's mix. Categories
        that concern the whole claim (eligibility, coordination of benefits, timely filing) deny all
        its lines at once, with the claim's probability scaled so that their share of denied lines
        matches the mix. The dated patterns of the module docstring come on top."""
        rng = self.rng
        if lag > profile.filing_limit_days:  # sent too late: the payer rejects the claim as a whole
            self.deny_claim(claim, "CO", "29", ())
            return [(None, "timely_filing")]
        mix = _MIXES[payer_index]
        if rng.random() < mix.claim_rate:
            assert mix.claim_wide is not None  # a rate above 0 has categories
            category = mix.claim_wide.draw(rng)
            group, reason, remarks = rng.choice(REASONS[category])
            for line in claim.lines:
                self.deny_line(line, group, reason, remarks)
            return [(n, category) for n in range(len(claim.lines))]
        # single-dose drugs billed with neither JW nor JZ on any of their lines
        drugs = {line.code for line in claim.lines if line.code[0] == "J"}
        if drugs:
            drugs -= {line.code for line in claim.lines if "JW" in line.modifiers or "JZ" in line.modifiers}
        denied = []
        for n, line in enumerate(claim.lines):
            category = self.pattern_denial(line, claim, profile, payer_index, month, line.code in drugs)
            if category is None and mix.line_category is not None and rng.random() < mix.line_rate:
                category = mix.line_category.draw(rng)
                self.deny_for(line, category, profile)
            if category:
                denied.append((n, category))
            else:
                self.pay_line(line, profile)
        return denied

    def pattern_denial(
        self,
        line: Line,
        claim: Claim,
        profile: PayerProfile,
        payer_index: int,
        month: int,
        missing_waste_modifier: bool,
    ) -> str | None:
        """The dated patterns: JW/JZ left off at one site, a new prior-authorisation requirement, a
        site-of-care program."""
        # Medicare returns single-dose drug lines without JW or JZ as unprocessable (CO-16 + N822).
        if missing_waste_modifier and profile.filing_indicator == "MB":
            self.deny_line(line, "CO", "16", ("N822",))
            return "coding"
        # Medicare Advantage requires prior authorisation for drugs from month 10; staff catch up by 15.
        if (
            line.code.startswith("J")
            and payer_index == PRIOR_AUTH_PAYER
            and month >= 10
            and self.rng.random() < (0.45 if month < 15 else 0.12)
            and self.patterns
        ):
            self.deny_line(line, "CO", "197", ("M62",))
            return "authorization"
        # The site-of-care program's edit applies to the claims the payer processes from its first month.
        if (
            line.code == SITE_OF_CARE_CODE
            and payer_index == SITE_OF_CARE_PAYER
            and claim.facility_code in SITE_OF_CARE_SITES
            and self.month_index(claim.received + timedelta(days=profile.days_to_pay)) >= SITE_OF_CARE_START
            and self.rng.random() < SITE_OF_CARE_DENIED
            and self.patterns
        ):
            self.deny_line(line, "CO", "58", ("N428",))
            return "site_of_care"
        return None

    def deny_for(self, line: Line, category: str, profile: PayerProfile) -> None:
        rng = self.rng
        if category == "coding" and line.units_paid > 20 and rng.random() < 0.5:
            # medically unlikely units: part of a big drug line is cut, the rest paid (partial denial)
            cut = max(1, line.units_paid // 5)
            unit_cents = line.charge // line.units_paid
            line.units_billed, line.units_paid = line.units_paid, line.units_paid - cut
            line.adjustments.append(Adjustment("CO", "151", cut * unit_cents, cut))
            line.remarks.append("N362")
            self.pay_line(line, profile, base=line.charge - cut * unit_cents)
            return
        group, reason, remarks = rng.choice(REASONS[category])
        if category == "non_covered" and rng.random() < 0.3:
            # an expected non-coverage with a signed waiver: the patient owes it (PR-96, modifier GA)
            line.modifiers = (*line.modifiers, "GA")[:4]
            group, reason, remarks = "PR", "96", ("N130",)
        self.deny_line(line, group, reason, remarks)

    def deny_line(self, line: Line, group: str, reason: str, remarks: tuple) -> None:
        line.adjustments = [Adjustment(group, reason, line.charge)]
        line.remarks = list(remarks)

    def deny_claim(self, claim: Claim, group: str, reason: str, remarks: tuple) -> None:
        # The payer adjudicates the claim as a whole: no service lines, the reason at claim level.
        claim.charge_without_lines = claim.charge
        claim.lines = []
        claim.adjustments = [Adjustment(group, reason, claim.charge_without_lines)]
        claim.remarks = list(remarks)

    def pay_line(self, line: Line, profile: PayerProfile, base: int | None = None) -> None:
        rng = self.rng
        charge = line.charge if base is None else base
        allowed = int(charge * profile.allowed_share * (0.92 + (1.05 - 0.92) * rng.random()))  # rng.uniform
        allowed = min(allowed, charge)
        if charge - allowed:
            line.adjustments.append(Adjustment("CO", "45", charge - allowed))
        patient = int(allowed * profile.patient_share)
        if profile.copay_cents and line.code.startswith("992"):
            patient = min(allowed, profile.copay_cents)
            line.adjustments.append(Adjustment("PR", "3", patient))
        elif patient:
            deductible = min(patient, rng.choice((0, 0, 0, 2000, 5000))) if profile.filing_indicator != "MB" else 0
            if deductible:
                line.adjustments.append(Adjustment("PR", "1", deductible))
            if patient - deductible:
                line.adjustments.append(Adjustment("PR", "2", patient - deductible))
        if profile.sequestration:
            sequestered = int((allowed - patient) * 0.02)
            if sequestered:
                line.adjustments.append(Adjustment("CO", "253", sequestered))

    # -- what happens after a denial ----------------------------------------------------------------
    def recover(
        self, claim: Claim, denied: list, profile: PayerProfile, payer_index: int, ready: date, summary: Summary
    ) -> list[_Event]:
        rng = self.rng
        category = denied[0][1]
        if any(a.group == "PR" and a.reason == "96" for line in claim.lines for a in line.adjustments):
            return []  # the patient owes it; nothing to appeal
        if category == "duplicate":
            return []  # the same claim sent again: no rework
        roll = rng.random()
        rate = RECOVERY_RATE.get(category, 0.2)
        if roll >= rate:
            if roll < rate + (1 - rate) * UPHELD_RATE:
                later = self.run_date(profile, ready + timedelta(days=rng.randint(40, 100)))
                if later > self.end:
                    return []
                summary.recoveries["upheld"] += 1
                summary.paths.append((claim.claim_id, "upheld", 0))
                return [self.event(payer_index, later, self.readjudicate(claim, denied, profile, "upheld"))]
            return []
        path = rng.choices(("reversal", "corrected", "paid_later"), weights=(5, 3, 2))[0]
        run = self.run_date(profile, ready + timedelta(days=rng.randint(20, 120)))
        if run > self.end:
            return []
        summary.recoveries[path] += 1
        again = self.readjudicate(claim, denied, profile, path)
        # what comes back on the denied lines (or the claim denied without lines): their new payment, less
        # what the first adjudication had paid on them (reversed, or replaced by the later adjudication;
        # other lines are reversed and paid again: nil)
        indexes = [n for n, _ in denied if n is not None]
        if not indexes:
            recovered = again.paid
        elif path == "paid_later":  # again holds the denied lines only; each states its whole payment
            recovered = sum(line.paid - claim.lines[n].paid for line, n in zip(again.lines, indexes, strict=True))
        else:
            recovered = sum(again.lines[n].paid - claim.lines[n].paid for n in indexes)
        summary.paths.append((claim.claim_id, path, recovered))
        if path == "paid_later":
            return [self.event(payer_index, run, again)]
        # a reversal of the whole first adjudication, then the claim adjudicated again
        return [self.event(payer_index, run, claim.reversed()), self.event(payer_index, run, again)]

    def readjudicate(self, claim: Claim, denied: list, profile: PayerProfile, path: str) -> Claim:
        """A later adjudication: the whole claim after a reversal or a corrected claim (CLP09 7), only
        the denied lines when paid later without a reversal or when the denial is upheld (CO-193)."""
        whole = path in ("reversal", "corrected")
        indexes = range(len(claim.lines)) if whole else [n for n, _ in denied if n is not None]
        lines = []
        for n in indexes:
            before = claim.lines[n]
            lines.append(
                Line(
                    before.code,
                    tuple(m for m in before.modifiers if m != "GA"),
                    before.charge,
                    before.units_billed or before.units_paid,
                    before.service_date,
                    before.control,
                    revenue_code=before.revenue_code,
                )
            )
        again = Claim(
            claim.claim_id,
            "1",
            claim.filing_indicator,
            claim.payer_claim_number + ("A" if path == "corrected" else ""),
            claim.facility_code,
            "7" if path == "corrected" else claim.frequency,
            claim.patient,
            claim.service_from,
            claim.service_to,
            claim.received,
            lines,
            original_reference=claim.payer_claim_number if path == "corrected" else None,
        )
        if not claim.lines:
            again.charge_without_lines = claim.charge_without_lines
        if path == "upheld":
            for line in lines:
                line.adjustments = [Adjustment("CO", "193", line.charge)]
            if not lines:
                again.adjustments = [Adjustment("CO", "193", again.charge_without_lines)]
            return again
        for line in lines:
            self.pay_line(line, profile)
        if not lines:
            allowed = int(again.charge_without_lines * profile.allowed_share)
            again.adjustments = [Adjustment("CO", "45", again.charge_without_lines - allowed)]
        return again


PROVIDER = Provider(*PAYEE)
_VIAL_UNITS = {drug.code: drug.vial_units for drug in DRUGS}
_SEX = {name: "MF"[n % 2] for n, name in enumerate(FIRST)}  # the names alternate male, female
_AGES = {"J3399": (0, 1), "J1428": (6, 18), "J1322": (5, 30)}  # years of age of these drugs' patients
# the secondary diagnoses that may follow a principal one (any but itself)
_SECONDARY_BESIDE = {code: [c for c in SECONDARY if c != code] for codes in DIAGNOSES.values() for code in codes}


def _weekday_on_or_before(day: date) -> date:
    return day - timedelta(days=max(0, day.weekday() - 4))


@lru_cache(maxsize=4096)
def _quantity(units: int, per_container: int) -> str:
    """Billed units as containers (CTP04, unit UN): 45 units of a 10-unit vial -> '4.5'."""
    whole, part = divmod(units * 1000 // per_container, 1000)
    return f"{whole}" if not part else f"{whole}.{part:03d}".rstrip("0")
