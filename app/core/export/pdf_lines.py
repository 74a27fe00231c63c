"""The PDF body: every printed line numbered, as court transcripts are.

The Line column is the table's first column, inside the page margin the front tables keep (it
stood 13 mm left of them, in the margin).

Each segment is one row: time code, speaker, and its text column(s) (text, or
original | translation side by side), each wrapped to its column; the row takes
as many printed lines as its longest column, and every printed line gets the next
number. A row split by a page break continues on the next page with its numbers.
"""

from __future__ import annotations

from fpdf import FPDF

from app.core.export.record import Line

LINE_MM = 4.6
GAP_MM = 1.4  # between segments (not a line: numbering stays one per printed line)
NUMBER_MM = 11.0  # right-aligned numbers end 2 mm left of the time column
LINE_COL_MM = NUMBER_MM + 2
TIME_MM, SPEAKER_MM, GUTTER_MM = 17.0, 27.0, 4.0
SPEAKER_MAX_MM = 48.0  # the speaker column widens to its longest name up to this, then names wrap
NUMBER_GREY, HEAD_GREY = 110, 235


def write_numbered_lines(pdf: FPDF, lines: list[Line], font: str) -> None:
    """Page breaks are made here, line by line (fpdf's own would split the column heads)."""
    margin = pdf.b_margin
    pdf.set_auto_page_break(False, margin)
    speaker_mm = speaker_width(pdf, font, lines)
    columns = text_columns(pdf, lines, speaker_mm)
    if pdf.get_y() + 3 * LINE_MM > pdf.page_break_trigger:
        pdf.add_page()
    _column_heads(pdf, font, columns, speaker_mm)
    _write_rows(pdf, lines, font, columns, speaker_mm)
    pdf.set_auto_page_break(True, margin)


def _write_rows(pdf: FPDF, lines: list[Line], font: str, columns: list[tuple[float, float]],
                speaker_mm: float) -> None:
    number = 0
    for line in lines:
        pdf.set_font(font, "B", size=9)
        speaker = _wrap(pdf, line.speaker, speaker_mm - 2)
        pdf.set_font(font, size=9)
        texts = [_wrap(pdf, text, width) for text, (_, width) in zip(line.texts, columns)]
        rows = max(len(speaker), *(len(t) for t in texts))
        for i in range(rows):
            who = _at(speaker, i)
            if pdf.get_y() + LINE_MM > pdf.page_break_trigger:
                pdf.add_page()
                _column_heads(pdf, font, columns, speaker_mm)
                who = who or speaker[0]  # a row continued on a new page names its speaker again
            number += 1
            _print_line(pdf, font, number, (line.time, line.mark) if i == 0 else ("", ""), (who, speaker_mm),
                        [(_at(t, i), x) for t, (x, _) in zip(texts, columns)])
        pdf.set_y(pdf.get_y() + GAP_MM)


def speaker_width(pdf: FPDF, font: str, lines: list[Line]) -> float:
    """The speaker column: wide enough for the longest name on one line ("DC Ann Harris" took two
    printed lines in 27 mm, its second numbered and empty on every line the officer spoke), at
    least SPEAKER_MM and at most SPEAKER_MAX_MM (a longer name wraps)."""
    pdf.set_font(font, "B", size=9)
    names = {line.speaker for line in lines if line.speaker}
    widest = max((pdf.get_string_width(n) for n in names), default=0.0)
    pdf.set_font(font, size=9)
    return min(max(SPEAKER_MM, widest + 2 * pdf.c_margin + 2.5), SPEAKER_MAX_MM)


def text_columns(pdf: FPDF, lines: list[Line], speaker_mm: float = SPEAKER_MM) -> list[tuple[float, float]]:
    """(x, width) of each text column: one, or two side by side for a bilingual record."""
    count = len(lines[0].texts) if lines else 1
    left = time_x(pdf) + TIME_MM + speaker_mm
    width = (pdf.w - pdf.r_margin - left - GUTTER_MM * (count - 1)) / count
    return [(left + i * (width + GUTTER_MM), width) for i in range(count)]


def time_x(pdf: FPDF) -> float:
    """Where the time column starts: right of the Line column, which starts at the margin."""
    return pdf.l_margin + LINE_COL_MM


def _column_heads(pdf: FPDF, font: str, columns: list[tuple[float, float]], speaker_mm: float) -> None:
    names = ["Original", "Translation"] if len(columns) == 2 else ["Text"]
    y = pdf.get_y()
    pdf.set_fill_color(HEAD_GREY)
    pdf.rect(pdf.l_margin, y, pdf.w - pdf.r_margin - pdf.l_margin, LINE_MM + 0.6, style="F")
    pdf.set_font(font, "B", size=8)
    heads = [(pdf.l_margin, NUMBER_MM, "Line", "R"),
             (time_x(pdf), TIME_MM, "Time", "L"),
             (time_x(pdf) + TIME_MM, speaker_mm, "Speaker", "L")]
    heads += [(x, w, name, "L") for (x, w), name in zip(columns, names)]
    for x, w, text, align in heads:
        pdf.set_xy(x, y + 0.3)
        pdf.cell(w, LINE_MM, text, align=align)
    pdf.set_font(font, size=9)
    pdf.set_y(y + LINE_MM + 1.6)


def _print_line(pdf: FPDF, font: str, number: int, time: tuple[str, str], speaker: tuple[str, float],
                texts: list[tuple[str, float]]) -> None:
    """One printed line; `time`: the row's time code and its mark (black, bold: changed in proofreading)."""
    y = pdf.get_y()
    pdf.set_font(font, size=7)
    pdf.set_text_color(NUMBER_GREY)
    pdf.set_xy(pdf.l_margin, y)
    pdf.cell(NUMBER_MM, LINE_MM, str(number), align="R")
    code, mark = time
    if code:
        pdf.set_xy(time_x(pdf), y)
        pdf.cell(TIME_MM, LINE_MM, code)
    after = time_x(pdf) + pdf.get_string_width(code) + pdf.c_margin
    pdf.set_text_color(0)
    if mark:
        pdf.set_font(font, "B", size=9)
        pdf.set_xy(after, y)
        pdf.cell(3, LINE_MM, mark)
    name, width = speaker
    if name:
        pdf.set_font(font, "B", size=9)
        pdf.set_xy(time_x(pdf) + TIME_MM, y)
        pdf.cell(width, LINE_MM, name)
    pdf.set_font(font, size=9)
    for text, x in texts:
        if text:  # empty cells cost as much as full ones
            pdf.set_xy(x, y)
            pdf.cell(0, LINE_MM, text)
    pdf.set_y(y + LINE_MM)


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Greedy word wrap to `width` (fpdf's multi_cell does the same ~10x slower; it is
    still used for shaped scripts, whose widths only the shaper knows)."""
    if not text:
        return [""]
    if pdf.text_shaping:
        return pdf.multi_cell(width, LINE_MM, text, dry_run=True, output="LINES", padding=0)
    room = width - 2 * pdf.c_margin
    space = pdf.get_string_width(" ")
    lines: list[str] = []
    current, used = "", 0.0
    for word in _pieces(pdf, text.split(), room):
        size = pdf.get_string_width(word)
        if current and used + space + size > room:
            lines.append(current)
            current, used = "", 0.0
        current, used = (f"{current} {word}", used + space + size) if current else (word, size)
    return [*lines, current]


def _pieces(pdf: FPDF, words: list[str], room: float) -> list[str]:
    """Words, a word wider than a line cut into pieces that fit."""
    pieces = []
    for word in words:
        while pdf.get_string_width(word) > room and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and pdf.get_string_width(word[:cut]) > room:
                cut -= 1
            pieces.append(word[:cut])
            word = word[cut:]
        pieces.append(word)
    return pieces


def _at(items: list[str], index: int) -> str:
    return items[index] if index < len(items) else ""
