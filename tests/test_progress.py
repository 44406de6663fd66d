"""Long loads show progress: the command line draws a bar (files done, MB/s, time left) on a terminal for
many files or a large one, through the pieces of a streamed file too; the Data page a bar per load."""

from __future__ import annotations

import io

from analytics import __main__ as cli, progress
from analytics.ingest import memory
from conftest import remittance_835


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def remittances(folder, count: int) -> None:
    folder.mkdir()
    for n in range(count):
        claim = f"CLP*C{n}*1*100*80*0*12*ICN{n}*11*1~NM1*QC*1*DOE*JANE****MI*M{n}~CAS*CO*45*20"
        (folder / f"{n:03d}.835").write_text(remittance_835(claim, payment="80", control=f"{n + 1:09d}"))


def test_the_bar_says_files_megabytes_rate_and_time_left():
    now = [100.0]
    bar = progress.Progress(40, 120_000_000, out=io.StringIO(), clock=lambda: now[0])
    assert bar.line().endswith("0.0 MB/s, starting")
    now[0] += 10
    bar.advance(files=12, nbytes=30_000_000)
    assert bar.line() == "[######..................] 12/40 files, 30.0/120.0 MB, 3.0 MB/s, 30 s left"
    now[0] += 3590
    bar.advance(files=1, nbytes=1_000_000)
    assert bar.line().endswith("2 h 52 min left")  # 3,600 s for 31 MB: 89 MB to go


def test_a_folder_of_many_files_shows_a_bar_on_a_terminal(tmp_path, monkeypatch):
    remittances(tmp_path / "many", cli.PROGRESS_FILES + 5)
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert cli.main(["--db", str(tmp_path / "db.duckdb"), "load", str(tmp_path / "many")]) == 0
    drawn = terminal.getvalue()
    assert "\r\033[K[" in drawn and f"{cli.PROGRESS_FILES + 5}/{cli.PROGRESS_FILES + 5} files" in drawn
    assert drawn.endswith("\r\033[K")  # taken off its line when done


def test_no_bar_when_not_a_terminal_or_for_a_few_files(tmp_path, monkeypatch, capsys):
    remittances(tmp_path / "few", 3)
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert cli.main(["--db", str(tmp_path / "db.duckdb"), "load", str(tmp_path / "few")]) == 0
    assert "files," not in terminal.getvalue()
    monkeypatch.setattr("sys.stderr", io.StringIO())  # piped: never a bar
    remittances(tmp_path / "many", cli.PROGRESS_FILES + 1)
    assert cli.main(["--db", str(tmp_path / "db2.duckdb"), "load", str(tmp_path / "many")]) == 0
    assert "files," not in capsys.readouterr().err


def test_a_large_file_advances_the_bar_piece_by_piece(tmp_path, monkeypatch):
    remittances(tmp_path / "one", 1)
    big = tmp_path / "big.835"
    # eight payments (a piece ends after a transaction set), fifty claims each
    big.write_text(
        "".join(
            remittance_835(
                *(
                    f"CLP*B{k}{n}*1*100*80*0*12*IB{k}{n}*11*1~NM1*QC*1*DOE*JANE****MI*B{n}~CAS*CO*45*20"
                    for n in range(50)
                ),
                payment=str(80 * 50),
                control=f"{k + 1:09d}",
            )
            for k in range(8)
        )
    )
    monkeypatch.setattr(memory, "STREAM_BYTES", 1000)  # streamed
    monkeypatch.setattr(memory, "PIECE_CHARS", 5000)  # in several pieces
    monkeypatch.setattr(cli, "PROGRESS_BYTES", 1000)
    seen = []
    monkeypatch.setattr(progress.Progress, "draw", lambda self: seen.append((self.files_done, self.bytes_done)))
    monkeypatch.setattr("sys.stderr", Terminal())
    assert cli.main(["--db", str(tmp_path / "db.duckdb"), "load", str(big)]) == 0
    before_done = [done for files, done in seen if files == 0]
    assert len(before_done) > 3 and before_done == sorted(before_done)  # grew while the file streamed
    assert seen[-1] == (1, big.stat().st_size)
