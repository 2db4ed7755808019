"""The supervision's official documents in the Decree 30 format, built from the records when downloaded.

- the plan (KẾ HOẠCH, KH-MTTQ) and the decision establishing the team (QUYẾT ĐỊNH, QĐ-MTTQ),
  numbered when the plan is sent (services.supervision_notify);
- the conclusion report (BÁO CÁO, BC-MTTQ) with the findings and the recommendations,
  numbered when the supervision is concluded;
- the escalation letter (công văn, MTTQ-BTT) to the Front above, numbered when escalated.

Documents are Vietnamese whatever the screen language (they are administrative documents), so
the texts here are Vietnamese, built under the installation's language like reporting's report.
Numbers live only in the documents register: a document not issued yet prints as a draft.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation

from phoihop.core.dates import vn_date
from phoihop.documents import issuers
from phoihop.documents.builder import Heading, OfficialDocument, Paragraph, Signature, Table
from phoihop.documents.selectors import issued_number_get_for_target
from phoihop.orgs.models import Membership, Role, Unit
from phoihop.oversight import services
from phoihop.oversight.models import Recommendation, Supervision


def _signature(front: Unit) -> Signature:
    """The Front's Standing Board signs "TM. BAN THƯỜNG TRỰC" — the first leader on record."""
    leader = (
        Membership.objects.filter(unit=front, ended_on__isnull=True, role=Role.LEADER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    title = (leader.title if leader and leader.title else "CHỦ TỊCH").upper()
    deputy = "KT. CHỦ TỊCH" if title.startswith("PHÓ") else ""
    return Signature(
        title=title, name=leader.user.get_full_name() if leader else "", on_behalf="TM. BAN THƯỜNG TRỰC", deputy=deputy
    )


def _frame(front: Unit, target: str, symbol: str, **kwargs: Any) -> OfficialDocument:
    ancestors = issuers.ancestors(front)
    issued = issued_number_get_for_target(issuing_unit=front, target=target)
    return OfficialDocument(
        parent_body=issuers.parent_body(ancestors),
        issuing_body=front.name,
        number=issued.sequence if issued else None,
        symbol=issued.symbol if issued else symbol,
        place=issuers.place(front, ancestors),
        date=issued.issued_on if issued else None,
        signature=_signature(front),
        **kwargs,
    )


def _lower_first(text: str) -> str:
    """ "Thực hiện…" reads "thực hiện…" inside a sentence."""
    return text[:1].lower() + text[1:]


def _subjects(supervision: Supervision) -> list[Unit]:
    return list(supervision.subjects.order_by("path"))


def plan_document(supervision: Supervision) -> OfficialDocument:
    """Kế hoạch giám sát: purpose, content, subjects, time, form and team."""
    with translation.override(settings.LANGUAGE_CODE):
        front = supervision.front_unit
        subjects = _subjects(supervision)
        team = list(supervision.team.select_related("user", "unit"))
        body: list[Any] = [
            Heading("Mục đích, yêu cầu"),
            Paragraph(
                f"Giám sát việc thực hiện {_lower_first(supervision.title)}, "
                "kịp thời phát hiện hạn chế, kiến nghị cơ quan có thẩm quyền xem xét, giải quyết."
            ),
            Heading("Nội dung giám sát"),
            Paragraph(supervision.content or supervision.title),
            Heading("Đối tượng giám sát"),
            *[Paragraph(f"- {u.name}.") for u in subjects],
            Heading("Thời gian, hình thức giám sát"),
            Paragraph(
                f"Từ {vn_date(supervision.starts_on)} đến {vn_date(supervision.ends_on)}; "
                f"hình thức: {supervision.get_form_display().lower()}."
            ),
        ]
        if team:
            body.append(Heading("Thành phần đoàn giám sát"))
            body.extend(
                Paragraph(f"- {m.user.get_full_name()}, {m.unit.name}: {m.get_role_display().lower()}.") for m in team
            )
        return _frame(
            front,
            services.plan_target(supervision),
            f"KH-{services.abbreviation(front)}",
            doc_type="Kế hoạch",
            summary=f"Giám sát {_lower_first(supervision.title)}",
            body=body,
            recipients=[u.name for u in subjects] + ["Thành viên đoàn giám sát"],
        )


def decision_document(supervision: Supervision) -> OfficialDocument:
    """Quyết định thành lập đoàn giám sát: the team and its task."""
    with translation.override(settings.LANGUAGE_CODE):
        front = supervision.front_unit
        team = list(supervision.team.select_related("user", "unit"))
        rows = [[i, m.user.get_full_name(), m.unit.name, m.get_role_display()] for i, m in enumerate(team, start=1)]
        body: list[Any] = [
            Paragraph("Điều 1. Thành lập đoàn giám sát gồm các thành viên sau:", bold=True),
            Table(columns=["STT", "Họ và tên", "Đơn vị", "Nhiệm vụ"], rows=rows, widths=[1.2, 5, 6.5, 3.3]),
            Paragraph(
                f"Điều 2. Đoàn giám sát có nhiệm vụ giám sát {_lower_first(supervision.title)} "
                f"từ {vn_date(supervision.starts_on)} đến {vn_date(supervision.ends_on)} theo kế hoạch; "
                "đoàn tự giải thể sau khi hoàn thành nhiệm vụ."
            ),
            Paragraph(
                "Điều 3. Các cơ quan, đơn vị có liên quan và các thành viên đoàn giám sát "
                "chịu trách nhiệm thi hành quyết định này."
            ),
        ]
        return _frame(
            front,
            services.decision_target(supervision),
            f"QĐ-{services.abbreviation(front)}",
            doc_type="Quyết định",
            summary="Về việc thành lập đoàn giám sát",
            body=body,
            recipients=["Như Điều 3"] + [u.name for u in _subjects(supervision)],
        )


def conclusion_document(supervision: Supervision) -> OfficialDocument:
    """Báo cáo kết quả giám sát: what was done, findings, conclusion, recommendations per agency."""
    with translation.override(settings.LANGUAGE_CODE):
        front = supervision.front_unit
        activities = list(supervision.activities.all())
        recommendations = list(
            supervision.recommendations.exclude(status=Recommendation.Status.WITHDRAWN).select_related("addressee")
        )
        body: list[Any] = [Heading("Quá trình giám sát")]
        body.extend(
            Paragraph(f"- {vn_date(a.date).capitalize()}: {a.get_kind_display().lower()} — {a.note}")
            for a in activities
        )
        body.append(Heading("Kết quả giám sát"))
        body.extend(Paragraph(f"- {f.text}") for f in supervision.findings.all())
        body.append(Heading("Kết luận"))
        body.append(Paragraph(supervision.conclusion))
        if recommendations:
            body.append(Heading("Kiến nghị"))
            rows = [
                [i, r.addressee.name, r.text, r.deadline.strftime("%d/%m/%Y") if r.deadline else ""]
                for i, r in enumerate(recommendations, start=1)
            ]
            body.append(
                Table(
                    columns=["STT", "Cơ quan", "Nội dung kiến nghị", "Hạn trả lời"], rows=rows, widths=[1.2, 4, 8, 2.8]
                )
            )
        addressees = list(dict.fromkeys(r.addressee.name for r in recommendations))
        return _frame(
            front,
            services.conclusion_target(supervision),
            f"BC-{services.abbreviation(front)}",
            doc_type="Báo cáo",
            summary=f"Kết quả giám sát {_lower_first(supervision.title)}",
            body=body,
            recipients=addressees or [u.name for u in _subjects(supervision)],
        )


def escalation_document(recommendation: Recommendation) -> OfficialDocument:
    """Công văn: the recommendation left unanswered, sent to the Front above to urge the agency."""
    with translation.override(settings.LANGUAGE_CODE):
        front = recommendation.front_unit
        escalation = getattr(recommendation, "escalation", None)
        to_unit = escalation.to_unit if escalation else (services.front_above(front) or front)
        supervision = recommendation.supervision
        up = to_unit.pk != front.pk
        sent = vn_date(recommendation.sent_on) if recommendation.sent_on else ""
        deadline = vn_date(recommendation.deadline) if recommendation.deadline else ""
        body = [
            Paragraph(
                f"Sau giám sát {_lower_first(supervision.title)}, {sent} {front.name} "
                f"đã gửi {recommendation.addressee.name} kiến nghị sau:"
            ),
            Paragraph(f"“{recommendation.text}”", italic=True),
            Paragraph(
                f"Hạn trả lời là {deadline}. Đến nay, quá hạn "
                f"{settings.PHOIHOP_RECOMMENDATION_ESCALATE_DAYS} ngày, {recommendation.addressee.name} chưa trả lời."
            ),
            Paragraph(
                f"{front.name} kính đề nghị {to_unit.name} quan tâm, đôn đốc {recommendation.addressee.name} "
                "xem xét, trả lời kiến nghị theo quy định."
                if up
                else f"{front.name} đề nghị {recommendation.addressee.name} khẩn trương xem xét, "
                "trả lời kiến nghị theo quy định."
            ),
        ]
        addressees = [to_unit.name] if up else [recommendation.addressee.name]
        return _frame(
            front,
            services.escalation_target(recommendation),
            f"{services.abbreviation(front)}-BTT",
            summary="Đề nghị đôn đốc trả lời kiến nghị sau giám sát",
            body=body,
            addressees=addressees,
            recipients=[*addressees, recommendation.addressee.name] if up else addressees,
        )


DOCUMENTS = {
    "plan": plan_document,
    "decision": decision_document,
    "conclusion": conclusion_document,
}
