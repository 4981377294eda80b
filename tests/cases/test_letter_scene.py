"""Decisions with everything a letter shows, for the letter, public and verification tests (SUP-3, SUP-5).

No tests here: the builders and readers the other test_letter*/test_public*/test_verify* modules share."""

from __future__ import annotations

import datetime
import hashlib
import io

from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfReader

from apps.cases.models import CaseDocument, CaseParty, Decision, Defence, Hearing
from apps.cases.services import letters
from tests.cases.factories import make_case

FACTS = "经查，该机构2024年3月起未按规定对重要数据进行异地备份，且未开展备份恢复演练。"
REASONING = "上述行为违反了办法第十八条的规定，情节较重，依法应予处理。"
DEFENCE_TEXT = "我院已于四月完成异地备份系统建设，请求从轻处理。"
DEFENCE_ANSWER = "异地备份系统建设晚于检查发现时间，不足以免除责任，已在措施中予以考虑。"
PUBLIC_SUMMARY = "该机构未按规定备份重要数据，责令限期整改并约谈。"
PARTY_NAME, PARTY_POSITION = "王责任", "信息中心主任"
HIDDEN_PARTY_NAME = "赵未点名"
EVIDENCE_NAME = "现场检查笔录.pdf"


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")


def read(decision: Decision) -> bytes:
    with decision.file.open("rb") as handle:
        return handle.read()


def _document(case, *, kind, name, by, defence=None) -> CaseDocument:
    content = b"%PDF-1.4\n% evidence " + name.encode() + b"\n%%EOF\n"
    digest = hashlib.sha256(content).hexdigest()
    document = CaseDocument(case=case, kind=kind, original_name=name, description=f"{name} 说明",
                            content_type="application/pdf", size=len(content), sha256=digest, uploaded_by=by,
                            defence=defence)
    document.file.save(f"{digest[:32]}.pdf", ContentFile(content), save=False)
    document.save()
    return document


def rich_decision(s, *, disclosed: bool = True, disclose_persons: bool = False, defence: str = "statement",
                  **fields) -> Decision:
    """A grave decision of 福州 with four measures (interview, rectification with a deadline, a disciplinary
    proposal naming one person, judicial transfer), two evidence documents, and the institution's defence
    (`defence`: "statement" with a held hearing, "waiver", or "none")."""
    case = make_case(s, status="decided", severity="grave", disclosed=disclosed, suspected_illegal=True,
                     measures=("interview", "rectification", "disciplinary", "judicial"), facts=FACTS, **fields)
    decision = case.decisions.get()
    Decision.objects.filter(pk=decision.pk).update(
        facts=FACTS, reasoning=REASONING, defence_answer=DEFENCE_ANSWER if defence == "statement" else "",
        public_summary=PUBLIC_SUMMARY if disclosed else "", disclose_persons=disclose_persons)
    decision.refresh_from_db()
    party = CaseParty.objects.create(case=case, name=PARTY_NAME, position=PARTY_POSITION,
                                     responsibility="分管备份工作，未督促落实。", added_by=s.officer)
    CaseParty.objects.create(case=case, name=HIDDEN_PARTY_NAME, position="科员", added_by=s.officer)
    measures = {measure.kind: measure for measure in decision.measures.all()}
    measures["interview"].details = "约谈机构主要负责人。"
    measures["interview"].save()
    measures["rectification"].details = "建立异地备份并开展恢复演练。"
    measures["rectification"].deadline = timezone.localdate() + datetime.timedelta(days=30)
    measures["rectification"].save()
    measures["disciplinary"].competent_body = "福州市卫生健康委员会纪检监察组"
    measures["disciplinary"].is_proposal = True
    measures["disciplinary"].save()
    measures["disciplinary"].parties.add(party)
    measures["judicial"].judicial_organ = "福州市公安局鼓楼分局"
    measures["judicial"].save()
    for name in (EVIDENCE_NAME, "备份系统截图.pdf"):
        _document(case, kind=CaseDocument.Kind.EVIDENCE, name=name, by=s.officer)
    if defence == "statement":
        statement = Defence.objects.create(case=case, notice=decision.notice, statement=DEFENCE_TEXT,
                                           hearing_requested=True, submitted_by=s.admin)
        _document(case, kind=CaseDocument.Kind.DEFENCE, name="整改说明.pdf", by=s.admin, defence=statement)
        Hearing.objects.create(case=case, notice=decision.notice, status=Hearing.Status.HELD, requested_by=s.admin,
                               held_at=timezone.now(), place="福州市卫生健康委员会第三会议室",
                               minutes="机构陈述了整改情况。", recorded_by=s.officer)
    elif defence == "waiver":
        Defence.objects.create(case=case, notice=decision.notice, kind=Defence.Kind.WAIVER, waives_period=True,
                               submitted_by=s.admin)
    return decision


def rendered(decision: Decision) -> Decision:
    letters.letter_render(decision.pk)
    decision.refresh_from_db()
    return decision
