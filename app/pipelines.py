"""Every job kind on one screen: its steps in order, the queue each runs on and its share of the
progress bar. The job engine (app/platform/engine.py) runs them all; the Celery tasks, their queues
and routes, and the sweeper are derived from this table. A step runs in the delivery of the step
before it when they share a queue, or when the job does not need its queue (`needs_queue`): a
born-digital PDF analysed locally goes from extract to notify in one delivery. Adding a step is one line here plus its
function; a job's `steps` in the API carry these names.
"""
from app.assistant import research
from app.documents import processing
from app.forms import filling
from app.platform.engine import Failures, Pipeline, Step
from app.search import search
from app.understanding import service as understanding

PIPELINES = {
    "document.process": Pipeline("document.process", task="documents.{step}", with_document=True, steps=(
        Step("extract", processing.extract,   queue="default", weight=0.10),  # text layer; pages without one marked for OCR
        Step("ocr",     processing.ocr,       queue="ocr",     weight=0.60,   # tesseract on those pages, in parallel
             needs_queue=processing.has_pages_to_ocr),
        Step("analyse", understanding.analyse, queue="ai",     weight=0.15,   # type, parties, dates, deadlines, citations
             needs_queue=understanding.uses_model),
        Step("index",   search.index,         queue="default", weight=0.10),  # full-text search rows
        Step("notify",  processing.notify,    queue="default", weight=0.05),  # document PROCESSED, event to the owner
    )),
    "form.fill": Pipeline("form.fill", task="forms.fill", failures=Failures(
        "fill_crashed", "Filling this form stopped repeatedly; try again or contact support.",
        "Storage stayed unavailable while filling the form; fill it again later.",
        "CaseOS could not fill this form because of an internal error; it has been logged."), steps=(
        Step("fill",  filling.fill_step,  queue="default", weight=0.5),   # the PDF, sealed in a private temp file
        Step("store", filling.store_step, queue="default", weight=0.5),   # ciphertext stored, text indexed
    )),
    "research": Pipeline("research", task="assistant.research", lease_seconds=300, failures=Failures(
        "research_crashed", "Answering this question failed repeatedly; try asking it differently.",
        "A service CaseOS depends on stayed unavailable; ask again later.",
        "CaseOS could not answer because of an internal error; it has been logged."), steps=(
        Step("answer", research.answer, queue="ai", weight=1.0),        # rule sets, documents, the model
    )),
}
