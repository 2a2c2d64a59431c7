"""The municipality scan (issue 22, part 4) on the session warehouse: the pages `make run` wrote beside it
(reports/<wave_id>/municipalities/), read back against the marts they come from, and the small-base rule
for peer groups at another minimum (written into a temporary folder from the same warehouse). Chromium
(`needs_chromium`) prints a page to PDF and runs the index's search."""

from __future__ import annotations

import html
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from extras import chromium
from orchestration.deliverables.scan import FOLDER, INDEX, TOO_SMALL, write_scans

WAVES = ["w1_2023", "w2_2025"]


class Cells(HTMLParser):
    """Every <tr> of a page as (its attributes, [(cell attributes, cell text)])."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = (dict(attrs), [])
            self.rows.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = (dict(attrs), [])
            self._row[1].append(self._cell)

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1].append(data)


def parsed(path: Path) -> list[tuple[dict, list[tuple[dict, str]]]]:
    parser = Cells()
    parser.feed(path.read_text(encoding="utf-8"))
    return [(attrs, [(a, "".join(t).strip()) for a, t in cells]) for attrs, cells in parser.rows]


def rows(connection, sql, params=()):
    return connection.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def scans(warehouse_db) -> Path:
    return Path(warehouse_db).parent / "reports"


def dutch(value: float, decimals: int = 1) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


@pytest.mark.parametrize("wave_id", WAVES)
def test_one_page_per_responding_municipality_and_an_index_that_links_them(warehouse, scans, wave_id):
    folder = scans / wave_id / FOLDER
    responding = {
        r[0]
        for r in rows(warehouse, "select nis_code from marts.mart_municipality_benchmark where wave_id = ?", [wave_id])
    }
    pages = {path.stem for path in folder.glob("*.html")} - {Path(INDEX).stem}
    assert pages == responding and len(pages) > 100
    index = (folder / INDEX).read_text(encoding="utf-8")
    assert '<html lang="nl">' in index and 'id="search"' in index and "Zoek een gemeente" in index
    assert set(re.findall(r'href="(\d{5})\.html"', index)) == responding


def test_a_page_shows_the_answers_and_the_peer_shares_of_the_benchmark(warehouse, scans):
    wave_id, nis_code = "w1_2023", "11002"  # Antwerpen: a centrumstad
    page = scans / wave_id / FOLDER / f"{nis_code}.html"
    text = page.read_text(encoding="utf-8")
    assert "Gemeentescan Antwerpen" in text and "Centrumsteden" in text and "SYNTHETISCHE DATA" in text
    benchmark = {
        (q, c): (chosen, answered)
        for q, c, chosen, answered in rows(
            warehouse,
            """
        select question_id, choice_code, is_chosen, has_answered from marts.mart_municipality_benchmark
        where wave_id = ? and nis_code = ? and row_code is null""",
            [wave_id, nis_code],
        )
    }
    shown, question = {}, None
    for attrs, cells in parsed(page):
        if "question-label" in attrs.get("class", ""):
            question = cells[0][1].split(".")[0]
        elif "data-chosen" in attrs and question:
            shown[(question, int(attrs["data-choice"]))] = attrs["data-chosen"]
    expected = {
        key: ("none" if not answered else "yes" if chosen else "no") for key, (chosen, answered) in benchmark.items()
    }
    assert {key: value for key, value in shown.items() if key in expected} == expected


def test_the_flanders_column_is_the_weighted_estimate_with_its_interval(warehouse, scans):
    wave_id, nis_code = "w2_2025", "44021"  # Gent
    page = scans / wave_id / FOLDER / f"{nis_code}.html"
    estimates = {
        (q, c): (p, lo, hi)
        for q, c, p, lo, hi in rows(
            warehouse,
            """
        select question_id, choice_code, pct_weighted, ci_lower, ci_upper from marts.mart_weighted_estimate
        where wave_id = ? and row_code is null""",
            [wave_id],
        )
    }
    checked, question = 0, None
    for attrs, cells in parsed(page):
        if "question-label" in attrs.get("class", ""):
            question = cells[0][1].split(".")[0]
        elif "data-choice" in attrs and (question, int(attrs["data-choice"])) in estimates:
            p, lo, hi = estimates[(question, int(attrs["data-choice"]))]
            flanders = [text for a, text in cells if a.get("data-group") == "flanders"][0]
            assert flanders == f"{dutch(p)} %" and cells[-1][1] == f"{dutch(lo)} – {dutch(hi)}"
            checked += 1
    assert checked > 30


def _others(n_answered, answered) -> int:
    return n_answered - (1 if answered else 0)


@pytest.mark.parametrize("min_units", [5, 40])
def test_a_peer_group_with_too_few_other_municipalities_is_too_small(warehouse_db, warehouse, tmp_path, min_units):
    """Every peer cell of every page: its share where at least `min_units` other responding municipalities
    of the group answered, "groep te klein" otherwise."""
    wave_id = "w1_2023"
    write_scans(warehouse_db, tmp_path, [wave_id], min_units=min_units)
    benchmark = rows(
        warehouse,
        """
        select nis_code, question_id, row_code, choice_code, has_answered, belfius_cluster_code,
               cluster_n_answered, cluster_pct, province_n_answered, province_pct, size_class_n_answered,
               size_class_pct, is_centrumstad, centrumsteden_n_answered, centrumsteden_pct
        from marts.mart_municipality_benchmark where wave_id = ? and nis_code in ('11002', '41002', '71016')
        order by nis_code""",
        [wave_id],
    )
    too_small = shown = 0
    for nis_code in ("11002", "41002", "71016"):
        mine = [r for r in benchmark if r[0] == nis_code]
        # Page rows come in the benchmark's order within a question; match on (question, row, choice).
        expected = {}
        for r in mine:
            groups = {"cluster": (r[6], r[7]), "province": (r[8], r[9]), "size_class": (r[10], r[11])}
            if r[12]:
                groups["centrumsteden"] = (r[13], r[14])
            expected[(r[1], r[2], r[3])] = {
                group: (f"{dutch(pct)} %" if _others(n, r[4]) >= min_units else TOO_SMALL)
                for group, (n, pct) in groups.items()
                if n is not None
            }
        question, row = None, None
        page = tmp_path / wave_id / FOLDER / f"{nis_code}.html"
        labels = dict(
            rows(
                warehouse,
                "select question_id || '|' || row_label, row_code from marts.mart_codebook "
                "where wave_id = ? and row_code is not null",
                [wave_id],
            )
        )
        for attrs, cells in parsed(page):
            classes = attrs.get("class", "")
            if "question-label" in classes:
                question, row = cells[0][1].split(".")[0], None
            elif "row-label" in classes:
                row = labels[f"{question}|{html.unescape(cells[0][1])}"]
            elif "data-choice" in attrs and "data-chosen" in attrs:
                wanted = expected[(question, row, int(attrs["data-choice"]))]
                got = {a["data-group"]: text for a, text in cells if a.get("data-group") not in (None, "flanders")}
                assert got == wanted, (nis_code, question, row, attrs["data-choice"])
                too_small += sum(text == TOO_SMALL for text in got.values())
                shown += sum(text != TOO_SMALL for text in got.values())
    assert shown > 0 and (too_small > 0 or min_units == 5)
    if min_units == 40:
        assert too_small > 100  # clusters and size classes of 40 other answering municipalities are rare


def test_taskforce_reception_beside_the_medians_of_the_peers(warehouse, scans):
    wave_id, nis_code = "w1_2023", "41002"
    (per_1000, province_n, province_median, flanders_median) = rows(
        warehouse,
        """
        select persons_per_1000, province_n_with_count, province_median_per_1000, flanders_median_per_1000
        from marts.mart_municipality_reception_benchmark where wave_id = ? and nis_code = ?""",
        [wave_id, nis_code],
    )[0]
    line = next(
        cells
        for attrs, cells in parsed(scans / wave_id / FOLDER / f"{nis_code}.html")
        if attrs.get("data-row") == "per_1000"
    )
    assert line[1][1] == dutch(per_1000, 2)
    groups = {a.get("data-group"): text for a, text in line}
    assert groups["flanders"] == dutch(flanders_median, 2)
    assert groups["province"] == (dutch(province_median, 2) if province_n - 1 >= 5 else TOO_SMALL)


def test_changes_since_the_compared_wave_are_the_municipalitys_own_panel_rows(warehouse, scans):
    wave_id = "w2_2025"
    (nis_code,) = rows(
        warehouse,
        "select nis_code from marts.mart_municipality_panel where wave_id = ? "
        "and comparison_status = 'changed' order by nis_code limit 1",
        [wave_id],
    )[0]
    panel = rows(
        warehouse,
        "select question_id, comparison_status from marts.mart_municipality_panel where wave_id = ? and nis_code = ?",
        [wave_id, nis_code],
    )
    page = scans / wave_id / FOLDER / f"{nis_code}.html"
    shown = [(attrs["data-question"], attrs["data-status"]) for attrs, _ in parsed(page) if "data-status" in attrs]
    assert sorted(shown) == sorted(panel) and any(status == "changed" for _, status in shown)
    first = (scans / "w1_2023" / FOLDER / "11002.html").read_text(encoding="utf-8")
    assert "Er is geen eerdere bevraging om mee te vergelijken." in first


def test_the_open_answers_are_its_own(warehouse, scans):
    wave_id = "w1_2023"
    (nis_code,) = rows(
        warehouse,
        "select nis_code from marts.mart_open_answers where wave_id = ? "
        "group by nis_code order by count(*) desc, nis_code limit 1",
        [wave_id],
    )[0]
    texts = [
        t
        for (t,) in rows(
            warehouse,
            "select answer_text from marts.mart_open_answers where wave_id = ? and nis_code = ?",
            [wave_id, nis_code],
        )
    ]
    others = [
        t
        for (t,) in rows(
            warehouse,
            "select answer_text from marts.mart_open_answers where wave_id = ? "
            "and nis_code <> ? and length(answer_text) > 40",
            [wave_id, nis_code],
        )
    ]
    page = (scans / wave_id / FOLDER / f"{nis_code}.html").read_text(encoding="utf-8")
    quoted = [html.unescape(q).strip() for q in re.findall(r'<blockquote class="open">(.*?)</blockquote>', page, re.S)]
    assert sorted(quoted) == sorted(t.strip() for t in texts)
    assert not [t for t in others if t not in texts and html.escape(t) in page]


@pytest.mark.needs_chromium
def test_chromium_prints_a_scan_page_to_pdf_and_the_index_searches(scans, tmp_path):
    page = scans / "w1_2023" / FOLDER / "11002.html"
    pdf = tmp_path / "scan.pdf"
    result = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    content = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", content))
    assert content.startswith(b"%PDF") and 1 <= pages <= 6, pages  # A4, compact: a few pages per scan
    index = scans / "w1_2023" / FOLDER / INDEX
    dom = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", index.as_uri() + "?zoek=antwerp"],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert 'data-shown="1"' in dom
