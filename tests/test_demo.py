"""The demo generator: valid 835s and 837s (pyx12), loaded figures equal to what it wrote, the configured
denial rates and category mixes per payer, the dated patterns, the recovery paths, claims that agree
with their remittances, determinism."""

from __future__ import annotations

import hashlib
import io
import logging
import math
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from analytics import database, demo
from analytics.demo import history as demo_history
from conftest import rows

# Payers' first adjudications (a claim's lowest claim_key): units as the denials view counts them.
FIRST_ADJUDICATIONS = """
    with
    firsts as (select min(claim_key) as claim_key from claims group by payer_name, claim_id),
    first_claims as (select claims.* from claims semi join firsts using (claim_key)),
    units as (
        select c.payer_name, c.claim_key, l.line_key, c.service_date_from
        from first_claims c left join service_lines l using (claim_key)
    ),
    denied as (select claim_key, line_key, category from denials)
    select units.payer_name, units.service_date_from, denied.category
    from units
    left join denied on denied.claim_key = units.claim_key
        and denied.line_key is not distinct from units.line_key
"""


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """24 months, the demo's default shape (smaller), loaded."""
    folder = tmp_path_factory.mktemp("history")
    summary = demo.build(folder / "demo.duckdb", folder / "files", months=24, lines=40_000, seed=7)
    con = database.connect(folder / "demo.duckdb")
    yield summary, con, folder / "files"
    con.close()


def assert_valid(paths) -> None:
    """pyx12 accepts each file (its 835 and 837 5010 maps)."""
    import pyx12.params
    import pyx12.x12n_document as pyx12_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    params = pyx12.params.params()
    for path in sorted(paths):
        with path.open() as src:
            try:
                ok = pyx12_document.x12n_document(
                    param=params, src_file=src, fd_997=io.StringIO(), fd_html=None, fd_xmldoc=None, xslt_files=None
                )
            except Exception as e:  # pyx12 raises while writing its 999 only after it found errors
                ok = f"{type(e).__name__}: {e}"
        assert ok is True, (path.name, ok)


def test_generated_files_pass_pyx12_validation(history):
    _, _, files = history
    every = sorted(files.glob("*.835"))
    texts = {p: p.read_text() for p in every}
    # a spread of files, and the kinds that exercise the rarer segments
    sample = set(every[:: max(1, len(every) // 6)])
    sample |= {next(p for p, t in texts.items() if "PLB*" in t and "WO:" in t)}
    sample |= {next(p for p, t in texts.items() if "*22*-" in t)}  # a reversal
    sample |= {next(p for p, t in texts.items() if "**" in t and "N362" in t)}  # units cut (SVC07)
    sample |= {next(p for p, t in texts.items() if "CO*193" in t)}
    assert_valid(sample)


def test_generated_claim_files_pass_pyx12_validation(history):
    _, _, files = history
    every = sorted(files.glob("*.837"))
    texts = {p: p.read_text() for p in every}
    # a spread of batches (most hold professional and institutional claims), and the rarer parts
    sample = set(every[:: max(1, len(every) // 5)])
    sample |= {next(p for p, t in texts.items() if "REF*F8*" in t and ":A:7*" in t)}  # an institutional replacement
    sample |= {next(p for p, t in texts.items() if "REF*G1*" in t and "*SMA01~" in t)}  # prior authorisation
    sample |= {next(p for p, t in texts.items() if "*WC~" in t and "**EM~" in t)}  # workers' comp (CLM11)
    for version in ("005010X222A1", "005010X223A2"):  # professional and institutional claims
        assert any(version in texts[p] for p in sample)
    assert_valid(sample)


def test_loaded_figures_equal_what_was_written(history):
    summary, con, _ = history
    got = rows(
        con,
        """select
        (select count(*) from source_files where kind like '%835%'), (select count(*) from payments),
        (select count(*) from claims),
        (select count(*) from service_lines), (select count(*) from adjustments),
        (select sum(charge_amount) from claims), (select sum(paid_amount) from claims),
        (select coalesce(sum(amount), 0) from provider_adjustments),
        (select count(*) from load_diagnostics)""",
    )[0]
    cents = Decimal("0.01")
    assert got == (
        summary.files,
        summary.payments,
        summary.claims,
        summary.lines,
        summary.adjustments,
        summary.charge_cents * cents,
        summary.paid_cents * cents,
        summary.provider_adjustment_cents * cents,
        0,
    )
    # every payment balances: claims paid less provider adjustments is the amount paid
    assert rows(con, "select count(*) from load_diagnostics where message like '%does not balance%'") == [(0,)]
    assert rows(
        con,
        "select count(*) from (select distinct dataset from "
        "(select value as dataset from meta where key = 'dataset') where dataset = 'demo')",
    ) == [(1,)]


def _segments(path) -> list[list[str]]:
    return [s.split("*") for s in path.read_text().replace("\n", "").split("~") if s]


def written_remittances(files) -> dict:
    """Claim id -> its adjudications in the 835s, in payment order."""
    found = defaultdict(list)
    for path in sorted(files.glob("*.835")):
        for seg in _segments(path):
            tag = seg[0]
            if tag == "BPR":
                paid_on = seg[-1]
            elif tag == "CLP":
                claim = {"clp": seg, "paid_on": paid_on, "lines": [], "reasons": set(), "F8": None}
                found[seg[1]].append(claim)
            elif tag == "SVC":
                claim["lines"].append({"svc": seg, "control": None})
            elif tag == "CAS":
                claim["reasons"] |= {f"{seg[1]}-{reason}" for reason in seg[2::3]}
            elif tag == "REF" and seg[1] == "6R":
                claim["lines"][-1]["control"] = seg[2]
            elif tag == "REF" and seg[1] == "F8":
                claim["F8"] = seg[2]
            elif tag == "DTM" and seg[1] == "050":
                claim["received"] = seg[2]
    return found


def written_claims(files) -> dict:
    """Claim id -> the 837 claims sent for it, in the order sent."""
    found = defaultdict(list)
    for path in sorted(files.glob("*.837")):
        for seg in _segments(path):
            tag = seg[0]
            if tag == "BHT":
                sent = seg[4]
            elif tag == "NM1" and seg[1] == "PR":
                payer = seg[-1]
            elif tag == "CLM":
                facility, _, frequency = seg[5].split(":")
                claim = {
                    "sent": sent,
                    "payer": payer,
                    "charge": seg[2],
                    "facility": facility,
                    "frequency": frequency,
                    "lines": [],
                    "F8": None,
                    "G1": None,
                }
                found[seg[1]].append(claim)
            elif tag == "REF" and seg[1] in ("F8", "G1"):
                claim[seg[1]] = seg[2]
            elif tag == "SV1":  # composite, charge, revenue code, units
                claim["lines"].append([seg[1], seg[2], "", seg[4]])
            elif tag == "SV2":
                claim["lines"].append([seg[2], seg[3], seg[1], seg[5]])
            elif tag == "REF" and seg[1] == "6R":
                claim["lines"][-1].append(seg[2])
            elif tag == "DTP" and seg[1] in ("472", "434"):
                claim.setdefault("service", date.fromisoformat(seg[3][:8]))
    return found


def test_claims_agree_with_their_remittances(history):
    """Each 835 answers an 837 sent before the payer received it and billed as the 835 echoes it; a
    claim paid after a correction was replaced (frequency 7, REF*F8) before; the claims never
    answered are the ones the payer lost and those whose answer comes after the end."""
    summary, _, files = history
    remits, sent = written_remittances(files), written_claims(files)
    every = [c for claims in sent.values() for c in claims]
    assert (len(list(files.glob("*.837"))), len(every), sum(len(c["lines"]) for c in every)) == (
        summary.claim_files,
        summary.billed_claims,
        summary.billed_lines,
    )
    assert sorted((i, c["frequency"]) for i, claims in sent.items() for c in claims if c["G1"]) == sorted(
        summary.prior_authorizations
    )
    assert sum(c["frequency"] == "7" for c in every) == summary.corrected_claims == summary.recoveries["corrected"] > 0
    for claim_id, adjudications in remits.items():
        [original] = [c for c in sent[claim_id] if c["frequency"] == "1"]
        first = adjudications[0]
        clp = first["clp"]
        assert original["sent"] <= first["received"], claim_id
        assert (original["charge"], original["facility"], original["frequency"]) == (clp[3], clp[8], clp[9])
        if first["lines"]:  # SVC01 composite, SVC02 charge, SVC04 revenue code, SVC07 else SVC05 units, REF*6R
            echoed = [
                [
                    ln["svc"][1],
                    ln["svc"][2],
                    ln["svc"][4],
                    ln["svc"][7] if len(ln["svc"]) > 7 else ln["svc"][5],
                    ln["control"],
                ]
                for ln in first["lines"]
            ]
            assert original["lines"] == echoed, claim_id
        for later in adjudications[1:]:
            if later["clp"][9] == "7":
                [replacement] = [c for c in sent[claim_id] if c["frequency"] == "7"]
                assert replacement["F8"] == later["F8"] == clp[7]
                assert first["paid_on"] < replacement["sent"] < later["paid_on"], claim_id
                assert replacement["charge"] == original["charge"]
    never = {claim_id for claim_id in sent if claim_id not in remits}
    assert never == set(summary.unanswered) | set(summary.awaiting)
    assert 0.002 < len(summary.unanswered) / len(sent) < 0.01
    assert not set(summary.unanswered) & set(summary.awaiting)
    # the answers still to come are to claims sent in the last weeks
    end = demo.DEFAULT_END
    assert (
        summary.awaiting and min(sent[i][0]["sent"] for i in summary.awaiting) > f"{end - timedelta(days=120):%Y%m%d}"
    )


def test_prior_authorisation_numbers_tell_the_story(history):
    """The Medicare Advantage plan requires prior authorisation for drugs from month 10: its drug claims
    denied CO-197 were sent without REF*G1, its others carry one; other payers' drug claims sometimes
    do; claims without drugs never."""
    _, _, files = history
    remits, sent = written_remittances(files), written_claims(files)
    start = demo.Generator(months=24).start
    others = []
    for claim_id, claims in sent.items():
        original = claims[0]
        assert original["frequency"] == "1"
        if not any(line[0].startswith("HC:J") for line in original["lines"]):
            assert not original["G1"], claim_id
            continue
        if claim_id not in remits:
            continue
        denied_197 = "CO-197" in remits[claim_id][0]["reasons"]
        if denied_197:
            assert not original["G1"], claim_id
        if original["payer"] == demo.PAYERS[demo.PRIOR_AUTH_PAYER].payer.payer_id:
            served = original["service"]
            month = (served.year - start.year) * 12 + served.month - start.month + 1
            assert bool(original["G1"]) == (month >= 10 and not denied_197), claim_id
        else:
            others.append(bool(original["G1"]))
    assert 0.05 < sum(others) / len(others) < 0.16
    # a claim paid after a replacement that followed an authorisation denial carries the number obtained since
    replaced = [c for claims in sent.values() for c in claims if c["frequency"] == "7"]
    assert any(c["G1"] for c in replaced)


def test_loaded_claims_equal_what_was_written(history):
    """The 837s load as written; the claims the payer lost were sent and have no remittance."""
    summary, con, _ = history
    assert rows(
        con,
        """select (select count(*) from source_files where kind = '837'),
        (select count(*) from billed_claims), (select count(*) from billed_lines),
        (select count(*) from billed_claims where frequency_code = '7' and original_reference is not null)""",
    ) == [(summary.claim_files, summary.billed_claims, summary.billed_lines, summary.corrected_claims)]
    assert sorted(
        rows(con, "select claim_id, frequency_code from billed_claims where prior_authorization is not null")
    ) == sorted(summary.prior_authorizations)
    lost = summary.unanswered
    assert lost
    assert rows(con, "select count(*) from billed_claims where claim_id in ?", [lost]) == [(len(lost),)]
    assert rows(con, "select count(*) from claims where claim_id in ?", [lost]) == [(0,)]
    # every other claim sent has its remittance, but those whose payment run comes after the end
    assert sorted(
        c
        for (c,) in rows(
            con,
            """select distinct claim_id from billed_claims s
        where not exists (select 1 from claims c where c.claim_id = s.claim_id)""",
        )
    ) == sorted(lost + summary.awaiting)


def test_denial_rate_and_mix_per_payer_are_the_configured_ones(tmp_path):
    """Months 1-5 precede every dated pattern, so rate and mix are the payers' configured ones."""
    demo.build(tmp_path / "d.duckdb", tmp_path / "files", months=5, lines=60_000, seed=11)
    con = database.connect(tmp_path / "d.duckdb")
    units = rows(con, FIRST_ADJUDICATIONS)
    con.close()
    for profile in demo.PAYERS:
        mine = [category for payer, _, category in units if payer == profile.payer.name]
        denied = [c for c in mine if c is not None]
        rate = len(denied) / len(mine)
        # whole-claim denials come in clusters of a claim's lines: allow for it in the spread
        spread = demo.TOLERANCE_SIGMAS * math.sqrt(
            demo.CLUSTER * profile.denial_rate * (1 - profile.denial_rate) / len(mine)
        )
        assert abs(rate - profile.denial_rate) <= spread, (profile.payer.name, rate)
        total = sum(profile.mix.values())
        for category, weight in profile.mix.items():
            share, expected = denied.count(category) / len(denied), weight / total
            spread = demo.TOLERANCE_SIGMAS * math.sqrt(demo.CLUSTER * expected * (1 - expected) / len(denied))
            assert abs(share - expected) <= spread, (profile.payer.name, category, share, expected)


def monthly(con, query: str) -> dict:
    return {month: value for month, value in rows(con, query)}


def test_dated_patterns_are_present(history):
    _, con, _ = history
    start = demo.Generator(months=24).start
    month = f"date_diff('month', DATE '{start}', service_date) + 1"
    # Medicare Advantage starts requiring prior authorisation for drugs in month 10
    auth = monthly(
        con,
        f"""select {month.replace("service_date", "l.service_date")} as m,
            count(*) filter (where d.category = 'authorization') / count(*)
        from service_lines l left join denials d using (line_key)
        where l.payer_name = 'SUMMIT MEDICARE ADVANTAGE' and l.procedure_code like 'J%' group by m""",
    )
    before = sum(auth[m] for m in range(1, 10)) / 9
    during = sum(auth[m] for m in range(10, 15)) / 5
    assert during > before + 0.15 and during > 5 * before
    # POS 19 leaves JW/JZ off single-dose drugs in months 6-11: Medicare returns CO-16 + N822
    n822 = monthly(
        con,
        f"""select {month} as m, count(*) from denials
        where list_contains(remark_codes, 'N822') and site_of_care = '19' group by m""",
    )
    assert sum(n822.get(m, 0) for m in range(6, 12)) > 20
    assert sum(n822.get(m, 0) for m in (*range(1, 6), *range(12, 25))) == 0
    # a staffing gap in months 15-16: claims sent late are rejected for timely filing
    late = monthly(
        con,
        f"""select {month} as m, count(*) from denials
        where primary_reason = '29' and level = 'claim' group by m""",
    )
    assert sum(late.get(m, 0) for m in (15, 16)) > 10 * max(1, sum(late.get(m, 0) for m in range(1, 15)))
    # BLUE RIDGE PPO's site-of-care program: infliximab in a hospital outpatient department denied CO-58 + N428
    # on the claims it processes from month 23 (by payment month; a claim paid early may come in month 22)
    paid_month = month.replace("service_date", "payment_date")
    program = rows(
        con,
        f"""select {paid_month} as m, procedure_code, site_of_care, remark_codes, count(*) from denials
        where payer_name = 'BLUE RIDGE PPO' and primary_reason = '58' group by all""",
    )
    assert {(code, site in ("19", "22", "13"), tuple(remarks)) for _, code, site, remarks, _ in program} == {
        ("J1745", True, ("N428",))
    }
    assert min(m for m, *_ in program) >= 22 and any(m == 23 for m, *_ in program)
    # the share of the payer's adjudications of such lines denied CO-58: none before month 22, then a fifth or
    # more in month 23 (the edit goes by the day a claim is processed), more in month 24 (some have an exception;
    # a denial paid later without a reversal adds a paid line)
    share = monthly(
        con,
        f"""select {paid_month.replace("payment_date", "c.payment_date")} as m,
            count(d.line_key) filter (where d.primary_reason = '58') / count(*)
        from service_lines l join claims c using (claim_key) left join denials d using (line_key)
        where c.payer_name = 'BLUE RIDGE PPO' and c.status_code = '1' and c.frequency_code = '1'
        and l.procedure_code = 'J1745' and c.site_of_care in ('19', '22', '13') group by m""",
    )
    assert share[23] > 0.2 and share[24] > 0.4 and sum(share[m] for m in range(1, 22)) == 0


def test_dated_patterns_show_in_the_claim_level_denial_rate(history):
    """The headline measure (HFMA's initial denial rate, by claims) shows the patterns too: the share of
    Medicare Advantage drug claims denied for authorisation, and of all claims denied for timely filing."""
    _, con, _ = history
    start = demo.Generator(months=24).start
    drugs = [d.code for d in demo.DRUGS]

    def rates(payers: list, category: str, codes: list) -> dict:
        return dict(
            rows(
                con,
                f"""select date_diff('month', DATE '{start}', basis_month) + 1 as m,
            count(*) filter (where denied) / count(*)
            from initial_claims('service', NULL, NULL, $payers, [$category], $codes, [], []) group by m""",
                {"payers": payers, "category": category, "codes": codes},
            )
        )

    auth = rates(["SUMMIT MEDICARE ADVANTAGE"], "authorization", drugs)
    before, during = sum(auth[m] for m in range(1, 10)) / 9, sum(auth[m] for m in range(10, 15)) / 5
    assert during > before + 0.15 and during > 5 * before
    late = rates([], "timely_filing", [])
    assert min(late[15], late[16]) > 5 * max(late[m] for m in range(1, 15))


def test_recovery_paths_are_in_the_remittances(history):
    summary, con, _ = history
    counts = dict(rows(con, "select status_code, count(*) from claims group by all"))
    assert counts["22"] == summary.recoveries["reversal"] + summary.recoveries["corrected"]
    assert rows(con, "select count(*) from claims where frequency_code = '7'") == [(summary.recoveries["corrected"],)]
    upheld = rows(con, "select count(distinct claim_key) from adjustments where reason_code = '193'")[0][0]
    assert upheld == summary.recoveries["upheld"] > 0
    assert summary.recoveries["paid_later"] > 0
    plb = dict(rows(con, "select reason_code, count(*) from provider_adjustments group by all"))
    assert plb.get("WO", 0) > 0 and plb.get("L6", 0) > 0
    # WO recoupments name a claim the payer paid before
    assert rows(
        con,
        """select count(*) from provider_adjustments p where reason_code = 'WO'
        and not exists (select 1 from claims c where c.payer_claim_number = p.reference)""",
    ) == [(0,)]
    # reversals negate what they reverse
    assert rows(
        con,
        """select count(*) from claims r where status_code = '22' and not exists (
        select 1 from claims o where o.claim_id = r.claim_id and o.status_code = '1'
        and o.charge_amount = -r.charge_amount and o.paid_amount = -r.paid_amount)""",
    ) == [(0,)]


def test_the_demo_covers_the_codes_modifiers_and_sites_it_promises(history):
    _, con, _ = history
    codes = {c for (c,) in rows(con, "select distinct procedure_code from service_lines")}
    assert {"J1322", "J1428", "99213", "96365"} <= codes
    modifiers = {m for (m,) in rows(con, "select distinct unnest(modifiers) from service_lines")}
    assert {"JW", "JZ", "JG", "TB", "PO", "PN", "GA", "25"} <= modifiers
    assert {s for (s,) in rows(con, "select distinct site_of_care from claims")} == {"11", "12", "19", "22", "13"}
    assert rows(con, "select count(*) from service_lines where units_billed > units_paid") != [(0,)]
    assert rows(con, "select count(*) from denials where patient_liable") != [(0,)]


def test_the_same_seed_gives_the_same_files(tmp_path):
    def digest(folder):
        return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in sorted(folder.iterdir()))).hexdigest()

    demo.generate(tmp_path / "a", months=3, lines=3000, seed=5)
    demo.generate(tmp_path / "b", months=3, lines=3000, seed=5)
    demo.generate(tmp_path / "c", months=3, lines=3000, seed=6)
    assert digest(tmp_path / "a") == digest(tmp_path / "b") != digest(tmp_path / "c")


def test_the_835s_do_not_depend_on_what_only_the_837s_draw(tmp_path, monkeypatch):
    """The 837s draw from their own generator: other draws there change the 837s, not the 835s (with no
    claims lost, which take their remittances away)."""

    def digests(folder):
        return {
            ext: hashlib.sha256(b"".join(p.read_bytes() for p in sorted(folder.glob(f"*.{ext}")))).hexdigest()
            for ext in ("835", "837")
        }

    monkeypatch.setattr(demo_history, "LOST_RATE", 0)  # the module that draws the lost claims
    demo.Generator(months=3, lines=3000, seed=5).write(tmp_path / "a")
    other = demo.Generator(months=3, lines=3000, seed=5)
    other.claim_rng = random.Random("another")
    other.write(tmp_path / "b")
    a, b = digests(tmp_path / "a"), digests(tmp_path / "b")
    assert a["835"] == b["835"] and a["837"] != b["837"]


def test_demo_command_refuses_a_folder_with_files(tmp_path):
    from analytics.__main__ import main

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.835").write_text("x")
    assert main(["demo", "--db", str(tmp_path / "d.duckdb"), "--out", str(tmp_path / "out"), "--lines", "100"]) == 2
    assert not (tmp_path / "d.duckdb").exists()


def test_a_sharded_build_loads_each_month_as_a_load_of_the_whole_folder_would(tmp_path, monkeypatch):
    """With shards the history is loaded month by month while it is written, its prevention rule before
    the files and the after-load rebuild once at the end: every table equals a load of the finished folder
    at once followed by the rule (two rebuilds), ids, keys and fingerprints included, but the load times and the
    demo's mark.
    Twelve months: the Medicare Advantage plan's rule starts in month 10 and flags lines."""
    from analytics import loader, publishing, reference
    from analytics.demo import writing

    monkeypatch.setattr(writing, "LOAD_PART_BYTES", 0)  # every month as it is written (not 64 MB of them)
    loads, load = [], writing._load
    monkeypatch.setattr(
        writing, "_load", lambda con, files, on_result: (loads.append(files), load(con, files, on_result))
    )
    summary = demo.build(tmp_path / "piped.duckdb", tmp_path / "files", months=12, lines=5000, seed=5, shards=2)
    with publishing.writing(tmp_path / "whole.duckdb", what="the same files at once") as con:
        loader.load_paths(con, [tmp_path / "files"])
        reference.load(con, "prevention-rules", tmp_path / "files-prevention-rules.csv")
    con = database.connect(tmp_path / "piped.duckdb")
    try:
        con.execute(f"ATTACH '{tmp_path / 'whole.duckdb'}' AS whole (READ_ONLY)")
        tables = [
            name
            for (name,) in rows(
                con,
                "select table_name from information_schema.tables where table_catalog = current_database() "
                "and table_schema = 'main' and table_type = 'BASE TABLE' order by 1",
            )
        ]
        assert {"remit_claims", "remit_service_lines", "bill_claims", "recovery_outcomes", "claim_facts"} <= set(tables)
        assert rows(con, "select count(*) from service_lines") == [(summary.lines,)]
        assert rows(con, "select count(*) > 0 from flagged_lines where rule_id like 'auth-%'") == [(True,)]
        differ = []
        meta = "select * from {} where key <> 'dataset' order by key"
        assert rows(con, meta.format("main.meta")) == rows(con, meta.format("whole.main.meta"))
        for table in set(tables) - {"meta"}:
            columns = ", ".join(
                f'"{c}"'
                for (c,) in rows(
                    con,
                    "select column_name from information_schema.columns "
                    "where table_catalog = current_database() and table_name = ?",
                    [table],
                )
                if not c.endswith("_at")
            )
            mine, theirs = f"select {columns} from main.{table}", f"select {columns} from whole.main.{table}"
            if rows(con, f"select count(*) from ({mine} except all {theirs})") != [(0,)] or rows(
                con, f"select count(*) from ({theirs} except all {mine})"
            ) != [(0,)]:
                differ.append(table)
        assert differ == []
    finally:
        con.close()
    assert len([files for files in loads if files]) > 1  # in parts, while the shards wrote
