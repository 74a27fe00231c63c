"""What users met in session 27 and nobody fixed, each fixed in session 28."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.core.errors import StoreError
from app.core.media.intake import find_media
from app.core.store import Case
from tests.conftest import MEDIA

IOS_NOTE = "00000012-AUDIO-2026-01-03-10-15-22.opus"  # how an iOS WhatsApp export names a voice note


def _take_in(case: Case, path: Path) -> int:
    found = next(iter(find_media([str(path)])))
    assert found.source is not None, found.error
    return case.add_exhibit(found.source, found_at=found.path)[0].id


def _ios_case(tmp_path: Path, others: int) -> tuple[Case, int]:
    """A case of `others` exhibits, then the iOS voice note (a copy of the shared German note)."""
    case = Case.open(tmp_path / "case")
    for name in ("interview_mono.wav", "noise_10s.wav", "en_voicenote.amr")[:others]:
        _take_in(case, MEDIA / name)
    note = tmp_path / IOS_NOTE
    shutil.copyfile(MEDIA / "de_voicenote.opus", note)
    return case, _take_in(case, note)


def test_an_all_digit_key_that_begins_a_file_name_finds_that_file(tmp_path):
    """`speakers segments 00000012` said "no exhibit 12": the digits an iOS note's name begins with were read
    as an id. Now they find the note; an id that is an exhibit of its own is ambiguous, said in one line."""
    case, note = _ios_case(tmp_path, 1)
    assert case.find_exhibit("00000012").id == note
    assert case.find_exhibit(IOS_NOTE).id == note
    assert case.find_exhibit("1").id == 1 and case.find_exhibit(str(note)).id == note  # ids as before
    case.close()


def test_an_id_that_is_also_the_start_of_a_file_name_is_said_ambiguous(tmp_path):
    case, note = _ios_case(tmp_path, 3)
    assert note == 4
    _take_in(case, MEDIA / "silence_30s.wav")
    for _ in range(7):  # ids 6 to 12: exhibit 12 is another recording
        (tmp_path / f"copy{_}.wav").write_bytes((MEDIA / "silence_30s.wav").read_bytes() + bytes(2 * (_ + 1)))
        _take_in(case, tmp_path / f"copy{_}.wav")
    twelve = case.exhibit(12).source.name
    with pytest.raises(StoreError) as said:
        case.find_exhibit("00000012")
    assert str(said.value).count("\n") == 0
    assert f"exhibit 12 ({twelve}) by id, or {note} ({IOS_NOTE}) by name" in str(said.value)
    assert case.find_exhibit("12").id == 12  # "12" begins no file's name
    case.close()


def test_the_cli_takes_the_ios_note_by_its_digits(tmp_path, capsys):
    from app.cli.main import main
    from tests import gui_case

    case, note = _ios_case(tmp_path, 1)
    gui_case.add_run(case, note, (gui_case.segment(500, "Ich bin hier.", None),), language="de")
    case.close()
    assert main(["speakers", "segments", "00000012", "--case", str(tmp_path / "case")]) == 0
    assert "Ich bin hier." in capsys.readouterr().out


@pytest.mark.parametrize("packed", ["folder", "tar"])
def test_a_known_model_imported_without_a_name_is_named_as_the_model(tmp_path, models_dir, capsys, packed):
    """`models import /media/usb/bund` installed tiny.en as a model named "bund" while saying every file
    matched the known model tiny.en; it is now named tiny.en. A bundle Parley does not know keeps its folder's name."""
    import tarfile

    from app.cli.main import main
    from app.core.models import catalogue

    bundle = catalogue.make_bundle(models_dir / "tiny.en", tmp_path / "bund")
    if packed == "tar":
        with tarfile.open(tmp_path / "bund.tar", "w") as tar:
            tar.add(bundle, arcname="bund")
        bundle = tmp_path / "bund.tar"
    root = tmp_path / "models"
    assert main(["models", "import", str(bundle), "--models-dir", str(root)]) == 0
    assert capsys.readouterr().out.strip() == str(root / "tiny.en")
    assert main(["models", "import", str(bundle), "--models-dir", str(root)]) == 0  # a repeat: already done
    assert capsys.readouterr().out.strip() == str(root / "tiny.en")
    assert sorted(p.name for p in root.iterdir()) == ["tiny.en"]


def test_a_known_model_cut_short_by_a_power_cut_is_repaired_by_the_same_import(tmp_path, models_dir, capsys):
    """Review 7 D7: after a power cut during `models import bund/` (tiny.en's files, no record: it is written
    last), the same import installed `bund` beside the damaged tiny.en, which stayed broken."""
    from app.cli.main import main
    from app.core.models import catalogue
    from app.core.models.bundles import MANIFEST, differences

    bundle = catalogue.make_bundle(models_dir / "tiny.en", tmp_path / "bund")
    root = tmp_path / "models"
    assert main(["models", "import", str(bundle), "--models-dir", str(root)]) == 0
    copy = root / "tiny.en"
    (copy / MANIFEST).unlink()  # the power cut: the record never written, the largest file cut short
    biggest = max(copy.iterdir(), key=lambda p: p.stat().st_size)
    with biggest.open("r+b") as f:
        f.truncate(biggest.stat().st_size // 3)
    capsys.readouterr()
    assert main(["models", "import", str(bundle), "--models-dir", str(root)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(copy)
    assert sorted(p.name for p in root.iterdir()) == ["tiny.en"]
    assert (copy / MANIFEST).is_file() and not differences(copy)



def _tiny_with_a_readme(models_dir: Path, folder: Path) -> Path:
    import hashlib

    from app.core.models import catalogue

    bundle = catalogue.make_bundle(models_dir / "tiny.en", folder)
    (bundle / "README.txt").write_text("tiny.en, as fetched for the unit\n", encoding="utf-8")
    digest = hashlib.sha256((bundle / "README.txt").read_bytes()).hexdigest()
    with open(bundle / catalogue.BUNDLE_SUMS, "a", encoding="utf-8") as sums:
        sums.write(f"{digest}  README.txt\n")
    return bundle


def test_a_known_model_s_bundle_with_a_file_more_is_already_installed_or_keeps_its_folder_s_name(
        tmp_path, models_dir, capsys):
    """D8: a bundle of tiny.en carrying a README is named tiny.en; with tiny.en installed from its own files,
    `models import bund` failed ("already installed, with different files; --name") where it used to install
    as 'bund'. The same known model installed: already installed. Another model under the name: the folder's."""
    import json

    from app.cli.main import main
    from app.core.models import catalogue
    from app.core.models.integrity import MANIFEST

    root = tmp_path / "models"
    assert main(["models", "import", str(catalogue.make_bundle(models_dir / "tiny.en", tmp_path / "plain")),
                 "--models-dir", str(root)]) == 0
    capsys.readouterr()
    readme = _tiny_with_a_readme(models_dir, tmp_path / "bund")
    assert main(["models", "import", str(readme), "--models-dir", str(root)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(root / "tiny.en") and "already installed" in err, err
    assert sorted(p.name for p in root.iterdir()) == ["tiny.en"]
    other = tmp_path / "other"  # a model of the user's own, installed as tiny.en
    (other / "tiny.en").mkdir(parents=True)
    (other / "tiny.en" / MANIFEST).write_text(json.dumps({"files": {"model.bin": "0" * 64}}), encoding="utf-8")
    assert main(["models", "import", str(readme), "--models-dir", str(other)]) == 0
    assert capsys.readouterr().out.strip() == str(other / "bund")

def test_an_exhibit_s_search_hits_come_in_time_order(tmp_path, capsys):
    """The window's Search listed one interview's hits at 25.5 s, 29.1 s, 20.0 s (best match first); an
    exhibit's hits now read in time order, the exhibit with the best match first (CLI and window alike)."""
    from app.cli.main import main
    from app.core.search import search
    from tests.search_helpers import SEGMENT_MS, add_exhibit, add_run

    case = Case.open(tmp_path / "case")
    interview = add_exhibit(case, "interview.wav")
    add_run(case, interview, ["He said the car, the grey car, was parked outside the house all night long.",
                              "Nothing about it.", "The car car.", "A car."])
    note = add_exhibit(case, "note.opus")
    add_run(case, note, ["Car car car."])
    hits = search(case, "car")
    assert [(h.exhibit_id, h.start_ms) for h in hits] == [
        (note, 0), (interview, 0), (interview, 2 * SEGMENT_MS), (interview, 3 * SEGMENT_MS)]
    case.close()
    assert main(["search", "car", "--case", str(tmp_path / "case")]) == 0
    out = [line.split("  ")[:2] for line in capsys.readouterr().out.splitlines() if "[car" in line.lower()]
    assert out == [["note.opus", "00:00:00.000"], ["interview.wav", "00:00:00.000"],
                   ["interview.wav", "00:00:06.000"], ["interview.wav", "00:00:09.000"]], out


def test_search_json_gives_each_hit_s_rank_so_best_first_can_be_had_back(tmp_path, capsys):
    """D9: `search --json` gave the hits in reading order with no rank: a consumer could not get the best
    match first back. Each hit now has its rank (1 the best)."""
    import json

    from app.cli.main import main
    from tests.search_helpers import add_exhibit, add_run

    case = Case.open(tmp_path / "case")
    interview = add_exhibit(case, "interview.wav")
    add_run(case, interview, ["He said the car, the grey car, was parked outside the house all night long.",
                              "Nothing about it.", "The car car.", "A car."])
    add_run(case, add_exhibit(case, "note.opus"), ["Car car car."])
    case.close()
    assert main(["search", "car", "--json", "--case", str(tmp_path / "case")]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert sorted(h["rank"] for h in hits) == [1, 2, 3, 4]
    best = sorted(hits, key=lambda h: h["rank"])
    assert best[0]["exhibit"] == "note.opus" and best[1]["text"] == "The car car.", best
    assert [h["rank"] for h in hits] != [1, 2, 3, 4]  # as shown (reading order), not best first


def test_a_phone_s_original_names_the_exhibit_and_its_later_copy_is_the_duplicate(tmp_path, capsys):
    """`exhibits --all` listed WhatsApp's own PTT-…opus as the "duplicate" of Download/forwarded.opus, because
    Download/ is walked first. Copies met together: the one modified earliest names the exhibit."""
    import os

    from app.cli.main import main

    phone = tmp_path / "Internal storage"
    original = phone / "WhatsApp" / "Media" / "WhatsApp Voice Notes" / "202648" / "PTT-20261201-WA0003.opus"
    copy = phone / "Download" / "forwarded.opus"
    for path in (original, copy):
        path.parent.mkdir(parents=True)
        shutil.copyfile(MEDIA / "en_voicenote.opus", path)
    os.utime(original, ns=(1_764_500_000_000_000_000,) * 2)  # received, then forwarded a day later
    os.utime(copy, ns=(1_764_586_400_000_000_000,) * 2)
    case = ["--case", str(tmp_path / "case")]
    assert main(["queue", "add", str(phone), *case, "--model", "tiny.en"]) == 0
    capsys.readouterr()
    assert main(["exhibits", "--all", *case]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].endswith("PTT-20261201-WA0003.opus"), listed
    assert listed[1].split("  ")[-1].startswith(f"{copy}: same content as exhibit 1"), listed


def test_a_voice_note_of_uncertain_language_says_so_in_the_timeline_as_exhibits_does(tmp_path, capsys):
    """A German voice note in a chat, read as Welsh 39% with no words: `exhibits` said "language uncertain …
    re-run in its language" while the Timeline tab and its exports showed only "[inaudible 00:00:00]" (clear
    speech said to be inaudible). The same words are now in each."""
    import json

    from app.cli.main import main
    from app.core.asr.language_check import withheld_note
    from app.core.chats.intake import take_in
    from app.core.chats.timeline import build_timeline
    from app.core.evidence.provenance import software_info
    from app.core.export.timeline import message_cell
    from app.core.types import Segment
    from app.core.usecases.timeline import story, write_story
    from app.gui.timeline_view import attachment_text
    from tests.gui_case import MODEL
    from tests.test_withheld_language import piece

    export = tmp_path / "export"
    export.mkdir()
    (export / "WhatsApp Chat with Jürgen.txt").write_text(
        "03/01/2026, 10:15 - Jürgen: PTT-20260103-WA0001.opus (file attached)\n", encoding="utf-8")
    shutil.copyfile(MEDIA / "de_voicenote.opus", export / "PTT-20260103-WA0001.opus")
    case = Case.open(tmp_path / "case")
    [taken] = take_in(case, export)
    note = build_timeline(case, taken.exhibit_id).entries[0].attachment
    run = case.start_run(note.exhibit_id, "transcribe", MODEL, {"model": "base"}, software_info())
    case.append_segments(run, (Segment(0, 7000, "", flags=("inaudible",)),), {}, "cy", 0.39)
    said = withheld_note([piece(("cy", 0.39), [("cy", 0.39, "on its own frames")], inaudible=True)])
    case.finish_run(run, warnings=(said,))
    case.close()
    assert main(["exhibits", "--case", str(tmp_path / "case")]) == 0
    listed = next(line for line in capsys.readouterr().out.splitlines() if "PTT-20260103-WA0001" in line)
    doubt = listed.split("PTT-20260103-WA0001.opus: ", 1)[1]
    assert doubt.startswith("speech heard (7 s) but no words recognised;") and "Welsh 39%" in doubt, doubt
    case = Case.open(tmp_path / "case")
    timeline, _ = story(case, taken.exhibit_id)
    entry = timeline.entries[0]
    assert f"(language uncertain: {doubt})" in message_cell(entry)  # the timeline's DOCX, PDF
    assert f"language uncertain: {doubt}" in attachment_text(entry.attachment)  # the Timeline tab
    [written] = write_story(case, taken.exhibit_id, timeline, tmp_path / "out", "chat", ["json"])
    case.close()
    [message] = json.loads(written.read_text(encoding="utf-8"))["messages"]
    assert message["attachment"]["language_uncertain"] == f"language uncertain: {doubt}"


def test_digits_without_a_leading_zero_are_the_id_exhibits_lists(tmp_path):
    """D4: a case of 1.wav, 10.wav, 2.wav, 3.wav (ids 1-4) refused `2` and `3` as ambiguous (`export 2`):
    digits that began a file's name outvoted the id. Now digits are the id; a name only with a leading zero
    (iOS's 00000012) or where no exhibit has that id."""
    case = Case.open(tmp_path / "case")
    for i, name in enumerate(("1.wav", "10.wav", "2.wav", "3.wav")):
        (tmp_path / name).write_bytes((MEDIA / "silence_30s.wav").read_bytes() + bytes(2 * (i + 1)))
        _take_in(case, tmp_path / name)
    assert [case.find_exhibit(k).id for k in ("1", "2", "3", "4")] == [1, 2, 3, 4]
    assert case.find_exhibit("10").source.name == "10.wav"  # no exhibit 10: the file it begins
    assert case.find_exhibit("03").id == 3  # a leading zero that begins no name: still the id
    with pytest.raises(StoreError, match="no exhibit"):
        case.find_exhibit("11")
    case.close()


def _phone_with_a_forwarded_copy(tmp_path: Path) -> tuple[Path, Path, Path]:
    import os

    phone = tmp_path / "Internal storage"
    original = phone / "WhatsApp" / "Media" / "WhatsApp Voice Notes" / "202648" / "PTT-20261201-WA0003.opus"
    copy = phone / "Download" / "forwarded.opus"  # walked first
    for path in (original, copy):
        path.parent.mkdir(parents=True)
        shutil.copyfile(MEDIA / "en_voicenote.opus", path)
    os.utime(original, ns=(1_764_500_000_000_000_000,) * 2)  # received, then forwarded a day later
    os.utime(copy, ns=(1_764_586_400_000_000_000,) * 2)
    return phone, original, copy


def test_the_window_names_a_phones_exhibit_after_its_original_as_the_cli_does_and_says_why(tmp_path):
    """D5: the window's intake kept the order met, so the same phone folder named its exhibit after
    Download/forwarded.opus in the window and after WhatsApp's PTT-…opus from the CLI; nothing in the audit
    said why the path met second named the exhibit. Now the window's intake (each batch dropped) uses the
    same rule, and an audit line says which path named it, why, and which copy was met first."""
    from app.core.usecases.enqueueing import Intake

    phone, original, copy = _phone_with_a_forwarded_copy(tmp_path)
    case = Case.open(tmp_path / "case")
    intake = Intake(case)
    met = list(find_media([str(phone)]))
    assert [Path(f.path).name for f in met] == ["forwarded.opus", original.name]  # the walk meets the copy first
    for found in met:
        intake.take(found)
    intake.finish()
    assert case.exhibit(1).source.name == original.name and intake.added == [1]
    [said] = case.audit.entries_of("exhibit.named_after_earliest")
    assert said.subject == "exhibit/1" and said.details["named_after"] == str(original)
    assert said.details["met_first"] == str(copy) and said.details["why"].startswith("modified earliest (mtime 2025-")
    case.close()


def test_a_link_to_the_original_is_never_the_original(tmp_path):
    """D5: the copies' times were read through links (os.stat), so a link tied with its target and, met
    first, named the exhibit. A link's own time is read now: the file itself names the exhibit."""
    import os

    from app.core.usecases.enqueueing import originals_first

    target = tmp_path / "b_original.opus"
    shutil.copyfile(MEDIA / "en_voicenote.opus", target)
    os.utime(target, ns=(1_764_500_000_000_000_000,) * 2)
    link = tmp_path / "a_link.opus"
    link.symlink_to(target)
    met = [next(iter(find_media([str(p)]))) for p in (link, target)]
    assert [Path(f.path).name for f in originals_first(met)] == ["b_original.opus", "a_link.opus"]


def test_every_voice_note_in_a_timeline_s_json_says_whether_its_language_is_uncertain(tmp_path):
    """D7: `language_uncertain` was in a note's JSON only when set, so its schema varied from note to note."""
    from app.core.chats.intake import take_in
    from app.core.chats.timeline import timeline_dict
    from app.core.evidence.provenance import software_info
    from app.core.types import Segment
    from app.core.usecases.timeline import story
    from tests.gui_case import MODEL

    export = tmp_path / "export"
    export.mkdir()
    (export / "WhatsApp Chat with Ann.txt").write_text(
        "03/01/2026, 10:15 - Ann: PTT-20260103-WA0001.opus (file attached)\n", encoding="utf-8")
    shutil.copyfile(MEDIA / "en_voicenote.opus", export / "PTT-20260103-WA0001.opus")
    case = Case.open(tmp_path / "case")
    [taken] = take_in(case, export)
    note = story(case, taken.exhibit_id)[0].entries[0].attachment
    run = case.start_run(note.exhibit_id, "transcribe", MODEL, {"model": "base"}, software_info())
    case.append_segments(run, (Segment(0, 2000, "Meet me behind the station."),), {}, "en", 0.98)
    case.finish_run(run)
    [message] = timeline_dict(story(case, taken.exhibit_id)[0])["messages"]
    case.close()
    assert message["attachment"]["language_uncertain"] is False


def test_a_bundle_is_opened_once_to_be_imported(tmp_path, models_dir, monkeypatch):
    """D8: a .tar.gz was decompressed once more just to find the name to install it under (the 2.4 GB NLLB)."""
    import tarfile

    from app.core.models import bundles, catalogue

    folder = catalogue.make_bundle(models_dir / "tiny.en", tmp_path / "bund")
    with tarfile.open(tmp_path / "bund.tar.gz", "w:gz") as tar:
        tar.add(folder, arcname="bund")
    opened, real = [], bundles.open_bundle
    monkeypatch.setattr(bundles, "open_bundle", lambda bundle: opened.append(bundle) or real(bundle))
    target, _ = bundles.install_bundle(tmp_path / "bund.tar.gz", tmp_path / "models")
    assert target.name == "tiny.en" and len(opened) == 1, opened


def test_a_large_drop_is_settled_a_hundred_exhibits_to_a_transaction_step_by_step(tmp_path, monkeypatch):
    """Review 7 D4: the window settled every exhibit of a drop in one slot, one transaction (a synced commit)
    each: 2,000 notes froze it ~27 s. Now ADD_CHUNK a transaction, and the window takes them a step at a time."""
    import wave

    from app.core.usecases.enqueueing import ADD_CHUNK, Intake

    folder = tmp_path / "phone"
    folder.mkdir()
    for i in range(ADD_CHUNK + 30):
        with wave.open(str(folder / f"note{i:03d}.wav"), "wb") as fh:
            fh.setnchannels(1)
            fh.setsampwidth(2)
            fh.setframerate(8000)
            fh.writeframes(bytes([i % 256, i // 256]) * 800)
    case = Case.open(tmp_path / "case")
    opened = []
    transaction = Case.transaction

    def counted(self):  # the outermost transactions: each a synced commit
        opened.append(not self.conn.in_transaction)
        return transaction(self)

    monkeypatch.setattr(Case, "transaction", counted)
    intake = Intake(case)
    for found in find_media([str(folder)]):
        intake.take(found)
    assert intake.settle(ADD_CHUNK) is False and len(intake.added) == ADD_CHUNK  # a step, then the window repaints
    assert intake.settle(ADD_CHUNK) is True and len(intake.added) == ADD_CHUNK + 30
    assert sum(opened) == 2, sum(opened)
    intake.finish()
    assert len(case.exhibits()) == ADD_CHUNK + 30
    case.close()
