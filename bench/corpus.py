"""Documents for the benchmarks, generated deterministically (no downloads), plus the repository's fixtures.

* ``legal_page(rng, lines)``: court-filing-like text (orders, notices, motions) with names, dates,
  amounts and rule citations drawn from large pools, so the vocabulary has a long tail like real
  filings.
* ``scanned_corpus``: image-only PDFs (1-bit 200 dpi pages rendered from legal text, as a
  court scanner produces) and, for each page, the very image that PDF holds as a PNG - what a
  tesseract user would feed the CLI. Full mode adds the real scans in tests/fixtures/scanned
  (linn.png, a 300 dpi brochure page; tess_phototest.tif).
* ``born_digital_corpus``: text PDFs written with fpdf2 plus tests/fixtures/born_digital/*.pdf.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from devkit import docgen

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

FIRST = ("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
         "Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Margaret "
         "Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin "
         "Amanda Brian Dorothy George Melissa Timothy Deborah Ronald Stephanie Edward Rebecca Jason Sharon Jeffrey "
         "Laura Ryan Cynthia Jacob Kathleen Gary Amy Nicholas Angela Eric Shirley Jonathan Anna Stephen Brenda "
         "Larry Pamela Justin Emma Scott Nicole Brandon Helen Benjamin Samantha Samuel Katherine Gregory Christine "
         "Alexander Debra Frank Rachel Patrick Carolyn Raymond Janet Jack Catherine Dennis Maria Jerry Heather "
         "Tyler Diane Aaron Ruth Jose Julie Adam Olivia Nathan Joyce Henry Virginia Douglas Victoria Zachary Kelly "
         "Peter Lauren Kyle Christina Ethan Joan Walter Evelyn Noah Judith Jeremy Megan Christian Andrea Keith "
         "Cheryl Roger Hannah Terry Jacqueline Gerald Martha Harold Gloria Sean Teresa Austin Ann Carl Sara Arthur "
         "Madison Lawrence Frances Dylan Kathryn Jesse Janice Jordan Jean Bryan Abigail Billy Alice Joe Judy Bruce "
         "Sophia Gabriel Grace Logan Denise Albert Amber Willie Doris Alan Marilyn Juan Danielle Wayne Beverly").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
        "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
        "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
        "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz "
        "Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson "
        "Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray "
        "Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins "
        "Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero "
        "Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant "
        "Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez "
        "McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford "
        "Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer").split()
COMPANIES = ("Holdings Properties Realty Management Capital Partners Associates Investments Lending Services "
             "Insurance Motors Logistics Construction Medical Group Bank Credit Union Apartments").split()
STREETS = "Main Oak Pine Maple Cedar Elm Washington Lake Hill Park Walnut Spruce Ridge Church Market Union River".split()
COUNTIES = "Kanawha Cabell Monongalia Berkeley Wood Raleigh Harrison Marion Putnam Mercer Jefferson Wayne".split()
MONTHS = ("January February March April May June July August September October November "
          "December").split()
COURTS = ("Circuit Court of {county} County", "Magistrate Court of {county} County", "Family Court of {county} County",
          "United States District Court for the Southern District of West Virginia",
          "United States Bankruptcy Court for the Northern District of West Virginia")
RULES = ("Rule 12(b)(6)", "Rule 56", "Rule 26(a)(1)", "Rule 4(m)", "Rule 60(b)", "Rule 41(a)", "W. Va. Code 55-3A-1",
         "W. Va. Code 37-6-19", "28 U.S.C. 1332", "11 U.S.C. 362", "Rule 15(a)", "Rule 33", "Rule 34", "Rule 37")
DOC_TITLES = ("ORDER SETTING HEARING", "NOTICE OF HEARING", "MOTION TO DISMISS", "SUMMONS", "COMPLAINT FOR EVICTION",
              "ORDER GRANTING CONTINUANCE", "SCHEDULING ORDER", "MOTION FOR SUMMARY JUDGMENT", "NOTICE TO QUIT",
              "PETITION FOR PROTECTIVE ORDER", "DEFAULT JUDGMENT", "STIPULATED ORDER", "NOTICE OF APPEARANCE",
              "MEMORANDUM IN SUPPORT", "ANSWER AND AFFIRMATIVE DEFENSES")
SENTENCES = (
    "The {party} filed a motion to dismiss the complaint under {rule} on {date}.",
    "The {other} shall file any response within {n} days of service of this order.",
    "A hearing on the motion is set for {date} at {hour}:{minute} {ampm} in Courtroom {room}.",
    "Failure to appear may result in the motion being granted without further notice.",
    "The clerk shall send a copy of this order to all counsel of record and to any party appearing without counsel.",
    "The landlord, {name}, alleges that rent of ${amount} remains unpaid for the premises at {num} {street} Street.",
    "The tenant, {name}, disputes the amount claimed and asserts that the premises required repairs.",
    "Discovery shall close on {date}, and dispositive motions are due no later than {date2}.",
    "The parties shall meet and confer in good faith and file a joint status report within {n} days.",
    "Pursuant to {rule}, the court finds that the {party} has shown good cause for an extension.",
    "Judgment is entered in favor of {name} in the amount of ${amount}, together with costs and interest.",
    "{name} appeared in person and {name2} appeared through counsel, {lawyer}, Esquire.",
    "The court has reviewed the record, the memoranda of the parties and the applicable law.",
    "This matter came before the court on the petition of {name} for a protective order against {name2}.",
    "The respondent is ordered to refrain from contacting the petitioner at {num} {street} Avenue.",
    "Any objection to the proposed settlement must be filed in writing with the clerk by {date}.",
    "The automatic stay under {rule} applies to the property described in the motion.",
    "Service was made by certified mail, return receipt requested, on {date}.",
    "The {party} requests a trial by jury on all issues so triable.",
    "{company} moves for summary judgment because no genuine dispute of material fact remains.",
    "The notice to quit was delivered to the occupants on {date} and the period has expired.",
    "Counsel for {company} shall submit a proposed order consistent with this ruling within {n} days.",
    "The case is continued to {date} at the request of the {party} without objection.",
    "Exhibit {n} is a true and accurate copy of the lease agreement dated {date}.",
    "The court will not consider documents filed after the deadline absent a showing of excusable neglect.",
)


def _date(rng: random.Random) -> str:
    return f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2019, 2027)}"


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def sentence(rng: random.Random) -> str:
    return rng.choice(SENTENCES).format(
        party=rng.choice(("plaintiff", "defendant", "petitioner", "respondent", "debtor", "movant")),
        other=rng.choice(("plaintiff", "defendant", "respondent", "creditor")), rule=rng.choice(RULES),
        date=_date(rng), date2=_date(rng), n=rng.choice((7, 10, 14, 21, 28, 30, 45, 60)),
        hour=rng.randint(8, 11), minute=rng.choice(("00", "15", "30", "45")), ampm="AM", room=rng.randint(1, 12),
        name=_name(rng), name2=_name(rng), lawyer=_name(rng), amount=f"{rng.randint(300, 95000):,}.{rng.randint(0, 99):02d}",
        num=rng.randint(10, 9999), street=rng.choice(STREETS),
        company=f"{rng.choice(LAST)} {rng.choice(COMPANIES)} LLC")


def heading(rng: random.Random) -> list[str]:
    court = rng.choice(COURTS).format(county=rng.choice(COUNTIES)).upper()
    case_no = f"Case No. {rng.randint(18, 26)}-{rng.choice(('C', 'CV', 'MAG', 'FC', 'BK'))}-{rng.randint(100, 9999)}"
    return [f"IN THE {court}", f"{_name(rng).upper()}, Plaintiff, v. {_name(rng).upper()}, Defendant.",
            case_no, rng.choice(DOC_TITLES)]


def paragraphs(rng: random.Random, n_sentences: int) -> str:
    out, para = [], []
    for _ in range(n_sentences):
        para.append(sentence(rng))
        if len(para) >= rng.randint(2, 4):
            out.append(" ".join(para))
            para = []
    if para:
        out.append(" ".join(para))
    return "\n".join(out)


# ----------------------------------------------------------------------------- scanned documents


@dataclass
class ScannedDoc:
    pdf: Path
    pages: list[Path] = field(default_factory=list)  # one image per page: exactly what the PDF holds
    source: str = "generated"


def _fit_scanned_page(rng: random.Random, first: bool) -> str:
    """As much legal text as fits on one 200 dpi page at about 11.5 pt (docgen's scanner font)."""
    from PIL import Image, ImageDraw

    draw = ImageDraw.Draw(Image.new("L", (10, 10)))
    font = docgen._font(docgen.FONT_PX)
    width = docgen.PAGE_W_IN * docgen.SCAN_DPI - 2 * docgen.SCAN_DPI
    max_lines = int((docgen.PAGE_H_IN * docgen.SCAN_DPI - 2 * docgen.SCAN_DPI) // int(docgen.FONT_PX * 1.5))
    lines = heading(rng) if first else []
    text = "\n".join(lines)
    while True:
        candidate = (text + "\n" if text else "") + sentence(rng)
        if len(docgen._wrap(draw, candidate, font, width)) > max_lines:
            return text
        text = candidate


def _image_pdf(images: list[tuple[Path, float]], out: Path):
    """An image-only PDF, each page exactly the size of its image at its resolution (like a scanner)."""
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_creator("CaseOS bench/corpus.py")
    for path, dpi in images:
        with Image.open(path) as im:
            w, h = im.size
            img = im.copy()
        wpt, hpt = w / dpi * 72, h / dpi * 72
        pdf.add_page(format=(wpt, hpt))
        pdf.image(img, x=0, y=0, w=wpt, h=hpt)
    pdf.output(str(out))


def scanned_corpus(out_dir: Path, n_docs: int, pages_per_doc: int, with_fixtures: bool, seed: int = 7) -> list[ScannedDoc]:
    """Image-only PDFs and their page images (PNG, with their dpi recorded)."""
    from PIL import Image

    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    docs: list[ScannedDoc] = []
    for d in range(n_docs):
        pages = []
        for p in range(pages_per_doc):
            text = _fit_scanned_page(rng, first=(p == 0))
            img = docgen.render_text_image(text)
            path = out_dir / f"scan{d:03d}-p{p + 1}.png"
            img.save(path, dpi=(docgen.SCAN_DPI, docgen.SCAN_DPI))
            path.with_suffix(".txt").write_text(text)  # the page's known text (word recall)
            pages.append(path)
        pdf = out_dir / f"scan{d:03d}.pdf"
        _image_pdf([(p, docgen.SCAN_DPI) for p in pages], pdf)
        docs.append(ScannedDoc(pdf, pages))
    if with_fixtures:
        # Real scans: a 300 dpi two-column brochure page and tesseract's own test page.
        for name, src in (("linn", FIXTURES / "scanned" / "linn.png"),
                          ("phototest", FIXTURES / "scanned" / "tess_phototest.tif")):
            with Image.open(src) as im:
                dpi = int(round(float((im.info.get("dpi") or (300, 300))[0]))) or 300
                png = out_dir / f"{name}.png"
                im.save(png, dpi=(dpi, dpi))
            pdf = out_dir / f"{name}.pdf"
            _image_pdf([(png, dpi)], pdf)
            docs.append(ScannedDoc(pdf, [png], source=f"tests/fixtures/scanned/{src.name}"))
    return docs


# ------------------------------------------------------------------------ born-digital documents


def born_digital_pdf(path: Path, rng: random.Random, pages: int):
    """A text PDF like a word-processed filing: 12 pt, about 40 lines a page."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_creator("CaseOS bench/corpus.py")
    font = docgen.font_path()
    if font:
        pdf.add_font("BenchSans", "", font)
        pdf.set_font("BenchSans", size=11)
    else:
        pdf.set_font("Helvetica", size=11)
    for p in range(pages):
        pdf.add_page()
        pdf.set_xy(72, 72)
        lines = heading(rng) if p == 0 else []
        text = "\n".join(lines + [paragraphs(rng, 16)])
        for para in text.split("\n"):
            if pdf.get_y() > 792 - 100:
                break
            pdf.multi_cell(612 - 144, 15, para, new_x="LMARGIN", new_y="NEXT")
            pdf.set_x(72)
        pdf.set_xy(72, 792 - 60)
        pdf.cell(468, 12, f"Page {p + 1} of {pages}", align="C")
    pdf.output(str(path))


def born_digital_corpus(out_dir: Path, n_docs: int, pages_per_doc: int, with_fixtures: bool, seed: int = 11) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    files = []
    for d in range(n_docs):
        path = out_dir / f"text{d:03d}.pdf"
        born_digital_pdf(path, rng, pages_per_doc)
        files.append(path)
    if with_fixtures:
        files += sorted((FIXTURES / "born_digital").glob("*.pdf"))
    return files


def pdf_pages(path: Path) -> int:
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()
