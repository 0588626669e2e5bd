"""An export comes from the operation being audited: every size is bounded, every broken
file gets one clear sentence, nothing is left in the temporary folder, and an export the
audit cannot read is never called compliant."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from weishang.audit import audit, cli, source
from weishang.audit.problems import Action, UnusableDataError
from weishang.audit.rules import PackError, load_packs, parse_pack

from .conftest import MEMBERS, REWARDS, TRANSACTIONS, write_export


@pytest.fixture
def no_leftovers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A temporary folder of the test's own, empty again when the audit has ended."""
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    yield
    assert list(private.iterdir()) == []


def _refused(path: Path) -> str:
    with pytest.raises(UnusableDataError) as caught:
        audit(path)
    problems = caught.value.problems
    assert all(p.action is Action.FATAL for p in problems)
    return " ".join(p.message for p in problems)


def test_a_zip_bomb_is_refused_before_it_expands(tmp_path: Path, no_leftovers: None) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("members.csv", MEMBERS + "0" * (64 << 20))
        archive.writestr("transactions.csv", TRANSACTIONS)
        archive.writestr("rewards.csv", REWARDS)
    assert bomb.stat().st_size < 64 << 10
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    message = _refused(bomb)
    assert "zip bomb" in message and "members.csv" in message
    # it was not expanded to find out (the peak grew by far less than the 64 MiB inside)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 48 << 10


def test_a_zip_extracts_only_what_the_audit_reads(tmp_path: Path, no_leftovers: None) -> None:
    packed = tmp_path / "export.zip"
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("members", MEMBERS), ("transactions", TRANSACTIONS)):
            archive.writestr(f"export/{name}.csv", text)
        archive.writestr("export/rewards.csv", REWARDS)
        archive.writestr("export/junk/big.bin", b"\0" * (8 << 20))  # never written out
        archive.writestr("../escape.csv", "x")
    written: list[int] = []
    real = source.extract

    def spy(path: Path, workdir: Path) -> Path:
        folder = real(path, workdir)
        written.append(sum(f.stat().st_size for f in workdir.rglob("*") if f.is_file()))
        return folder

    source_extract = source.extract
    source.extract = spy  # type: ignore[assignment]
    try:
        result = audit(packed)
    finally:
        source.extract = source_extract  # type: ignore[assignment]
    assert result.input.rows["members"] == 4
    assert written == [len(MEMBERS) + len(TRANSACTIONS) + len(REWARDS)]
    assert not (tmp_path / "escape.csv").exists()


def test_a_truncated_zip(tmp_path: Path, no_leftovers: None) -> None:
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("members", MEMBERS), ("transactions", TRANSACTIONS * 50)):
            archive.writestr(f"{name}.csv", text)
        archive.writestr("rewards.csv", REWARDS)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert "damaged or cut short" in _refused(cut)


def test_a_huge_file_of_zero_bytes(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "x")
    with (folder / "members.csv").open("wb") as handle:
        handle.truncate(4 << 30)  # sparse: 4 GiB long, no disk used
    started = time.perf_counter()
    message = _refused(folder)
    assert "the file is empty" in message
    assert time.perf_counter() - started < 5


def test_a_binary_file(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "x")
    (folder / "members.csv").write_bytes(bytes(range(256)) * 100)
    assert "not a text file" in _refused(folder)


def test_a_header_too_long(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "x", members="member_id," + "x" * (200 << 10) + "\na\n")
    assert "header line is longer than 64 KiB" in _refused(folder)


def test_one_huge_row_costs_only_its_own_value(tmp_path: Path) -> None:
    huge = "t9,2024-02-05,sale,a,x9," + "9" * (6 << 20) + ",,\n"
    folder = write_export(tmp_path / "x", transactions=TRANSACTIONS + huge)
    result = audit(folder)
    (long,) = [p for p in result.input.problems if p.code == "value_too_long"]
    assert (long.column, long.rows, long.count) == ("amount", (7,), 1)
    assert result.input.rows["transactions"] == 6
    assert result.input.skipped_rows["transactions"] == 1


def test_a_file_that_is_not_parquet(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "x", rewards=None)
    (folder / "rewards.parquet").write_bytes(b"PAR1 not really")
    message = _refused(folder)
    assert "not a readable Parquet file" in message
    assert "magic" not in message.lower()


def test_dataset_json_nested_deeply_or_full_of_escape_codes(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "x")
    (folder / "dataset.json").write_text("[" * 100_000 + "]" * 100_000)
    result = audit(folder)
    (bad,) = [p for p in result.input.problems if p.code == "bad_dataset_json"]
    assert "nested too deeply" in bad.message or "larger than" in bad.message
    evil = {"name": "\x1b[2J\x1b[31mShop\x07\u202e", "currency": "CNY"}
    (folder / "dataset.json").write_text(json.dumps(evil))
    assert audit(folder).input.name == "Shop"


def test_the_command_prints_no_escape_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_export(tmp_path / "x")
    (folder / "dataset.json").write_text(json.dumps({"name": "\x1b]0;pwned\x07Shop"}))
    assert cli.main([str(folder), "--quiet"]) == 0
    assert "\x1b" not in capsys.readouterr().out


def test_skipped_rows_count_rows_not_problems(tmp_path: Path) -> None:
    # t3 has both a bad date and a bad amount: one row skipped
    txns = TRANSACTIONS.replace("t3,2024-02-02,sale,,c,80.00", "t3,someday,sale,,c,lots")
    result = audit(write_export(tmp_path / "x", transactions=txns))
    assert result.input.skipped_rows["transactions"] == 1
    assert sum(p.count for p in result.input.problems if p.action is Action.ROW_SKIPPED) == 2


def _spoil(rows: int) -> str:
    """TRANSACTIONS with the amounts of its first ``rows`` rows unreadable."""
    lines = TRANSACTIONS.strip().split("\n")
    for k in range(1, rows + 1):
        cells = lines[k].split(",")
        cells[5] = "n/a"
        lines[k] = ",".join(cells)
    return "\n".join(lines) + "\n"


def test_enough_usable_data_at_the_edge(tmp_path: Path) -> None:
    """The conftest export holds 10 money rows (6 transactions, 4 rewards); the packs ask
    for 90% usable: one bad row still gets a verdict, two do not."""
    assert {p.min_usable_share for p in load_packs()} == {0.9}
    one = audit(write_export(tmp_path / "one", transactions=_spoil(1)))
    assert all(v.verdict != "insufficient_data" for v in one.jurisdictions.values())
    two = audit(write_export(tmp_path / "two", transactions=_spoil(2)))
    for verdict in two.jurisdictions.values():
        assert verdict.verdict == "insufficient_data" and verdict.severity is None
        assert verdict.reasons[0].startswith("Only 8 of its 10 transactions and rewards (80.0%)")
        assert "amount is empty or not a number (for example 'n/a')" in verdict.reasons[1]


def test_unreadable_money_is_never_a_clean_bill(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    txns = _spoil(6)
    rewards = REWARDS.replace(",9.00,", ",nine,").replace(",3.00,", ",three,")
    rewards = rewards.replace(",8.00,", ",eight,").replace(",10.00,", ",ten,")
    folder = write_export(tmp_path / "x", transactions=txns, rewards=rewards)
    result = audit(folder)
    assert {v.verdict for v in result.jurisdictions.values()} == {"insufficient_data"}
    assert cli.main([str(folder), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2].startswith("THE AUDIT CANNOT TELL")
    assert "COMPLIANT" not in out


def test_a_misspelled_indicator_stops_the_pack_loading() -> None:
    pack = {
        "jurisdiction": "XX", "name": "X", "currency": "CNY", "data": {"min_usable_share": 0.9},
        "rules": [{
            "id": "XX.1", "indicator": "recruitment_reward_shar", "op": ">", "threshold": 0,
            "outcome": "violation", "source": "s", "evidence": "e",
        }],
    }  # fmt: skip
    with pytest.raises(PackError, match="no indicator is called 'recruitment_reward_shar'"):
        parse_pack(pack)
    pack["rules"][0] |= {"indicator": "team_pay_share", "evidence": "{ind[no_such]}"}  # type: ignore[index]
    with pytest.raises(PackError, match="no_such"):
        parse_pack(pack)


def test_sigterm_and_the_time_limit_leave_nothing_behind(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "x", transactions=TRANSACTIONS)
    packed = tmp_path / "x.zip"
    with zipfile.ZipFile(packed, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, path.name)
    env = os.environ | {"TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    slow = subprocess.run(
        [sys.executable, "-m", "weishang.audit.cli", str(packed), "--time-limit", "0.001"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert slow.returncode == cli.EXIT_UNUSABLE, slow.stderr
    assert "gave up after 0.001 s" in slow.stderr
    running = subprocess.Popen(
        [sys.executable, "-c", (
            "import time, signal, sys; from weishang.audit import cli, api\n"
            "real = api.load_dataset\n"
            "def slow(*a, **k):\n"
            "    data = real(*a, **k); print('loaded', flush=True); time.sleep(60); return data\n"
            "api.load_dataset = slow\n"
            f"sys.exit(cli.main([{str(packed)!r}, '--quiet']))"
        )],
        env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert running.stdout is not None
    assert running.stdout.readline().strip() == "loaded"
    running.send_signal(signal.SIGTERM)
    assert running.wait(timeout=60) == 128 + signal.SIGTERM
    assert list((tmp_path / "tmp").iterdir()) == []
