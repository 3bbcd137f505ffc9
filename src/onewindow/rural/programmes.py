"""Support programmes for rural e-commerce (issue 25, item 4): the city's subsidy for
producers selling online and its e-commerce training, published as service items of the
catalogue and applied for through the applications workflow like any other item.

Eligibility is computed from the producer's own records (`eligibility`): the producer page
shows each rule met or not, with the producer reference to give; the item's form checks the
same rules on filing (`x-check`, registered in RuralConfig.ready()), so a filing by any
channel that breaks one is refused naming it; the check is told who files (catalog's Filer)
and refuses an applicant who may not apply for that producer (`may_apply_for`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.form_schema import Filer
from onewindow.catalog.listing import standard_workflow
from onewindow.catalog.models import ServiceItem
from onewindow.catalog.services import ServiceGuide, guide_of, publish_service
from onewindow.core.divisions import Level
from onewindow.identity.models import DepartmentKind
from onewindow.rural.models import Producer, Sale, SaleChannel
from onewindow.rural.services import COMPLIANCE, certificate_is_valid, may_act_for

SUBSIDY = "330100-RURAL-EC-SUBSIDY"
TRAINING = "330100-RURAL-EC-TRAINING"
SUBSIDY_CHECK = "rural.subsidy_eligible"
TRAINING_CHECK = "rural.registered_producer"
MIN_ONLINE_SALES_FEN = 100_000  # ¥1,000 over the last twelve months


@dataclass(frozen=True)
class Rule:
    text: str | Promise
    is_met: bool


@dataclass(frozen=True)
class Programme:
    code: str
    name: str | Promise
    check: str


PROGRAMMES = (
    Programme(SUBSIDY, _("Rural e-commerce development subsidy"), SUBSIDY_CHECK),
    Programme(TRAINING, _("Rural e-commerce skills training"), TRAINING_CHECK),
)


def _online_sales_fen(producer: Producer) -> int:
    since = timezone.now() - timedelta(days=365)
    total = Sale.objects.filter(
        producer=producer, channel=SaleChannel.PARTNER, sold_at__gte=since
    ).aggregate(total=Sum("amount_fen"))["total"]
    return int(total or 0)


def eligibility(producer: Producer, code: str) -> list[Rule]:
    """The rules of programme `code` and whether the producer's records meet each."""
    registered = Rule(_("Registered as a rural producer"), True)
    if code == TRAINING:
        return [registered]
    certified = any(
        certificate_is_valid(credential)
        for listing in producer.listings.filter(is_open=True).prefetch_related("certificates")
        for credential in listing.certificates.all()
        if credential.kind == COMPLIANCE
    )
    sold = _online_sales_fen(producer)
    return [
        registered,
        Rule(_("An open listing with a valid compliance certificate"), certified),
        Rule(
            _("Online sales of at least 1,000 yuan in the last twelve months (now %(yuan)s)")
            % {"yuan": f"{sold // 100:,}"},
            sold >= MIN_ONLINE_SALES_FEN,
        ),
    ]


def may_apply_for(filer: Filer, producer: Producer) -> bool:
    """Whether this filing may be for `producer`: in a business's name, only the producer's
    own business (applications checks the applicant represents it or is authorised);
    otherwise the producer's own account, the legal representative of its business, or a
    village agent holding the producer's valid recorded consent. A village agent filing for
    a resident applies in that resident's name: the resident must be the producer."""
    if filer.business is not None:
        return producer.business_id is not None and filer.business.pk == producer.business_id
    applicant = filer.applicant
    if applicant.pk == producer.resident_id:
        return True
    if producer.business is not None and producer.business.legal_representative_id == applicant.pk:
        return True
    return may_act_for(applicant, producer)


def _check(code: str, value: object, filer: Filer | None) -> str | None:
    producer = (
        Producer.objects.select_related("business").filter(ref=str(value).strip().upper()).first()
    )
    if producer is None:
        return gettext("Unknown producer: give the reference shown on the producer's page.")
    if filer is None or not may_apply_for(filer, producer):
        return gettext(
            "Producer reference: you may apply only for your own producer, a producer whose "
            "business you represent, or, as a village agent, one whose recorded consent you hold."
        )
    unmet = [str(rule.text) for rule in eligibility(producer, code) if not rule.is_met]
    if unmet:
        return gettext("Not eligible: %(rules)s.") % {"rules": "; ".join(unmet)}
    return None


def check_subsidy(value: object, filer: Filer | None) -> str | None:
    return _check(SUBSIDY, value, filer)


def check_training(value: object, filer: Filer | None) -> str | None:
    return _check(TRAINING, value, filer)


def _guide(programme: Programme) -> ServiceGuide:
    subsidy = programme.code == SUBSIDY
    form_schema = {
        "type": "object",
        "properties": {
            "producer": {
                "type": "string",
                "title": "Producer reference",
                "x-title-zh": "经营主体编号",
                "minLength": 4,
                "maxLength": 24,
                "description": "As shown on your producer page, e.g. P330127A1B2C3.",
                "x-description-zh": "见经营主体页面，例如 P330127A1B2C3。",
                "x-check": programme.check,
            },
            "plan": {
                "type": "string",
                "title": "What the support is for" if subsidy else "What you want to learn",
                "x-title-zh": "补贴用途" if subsidy else "希望学习的内容",
                "minLength": 4,
                "maxLength": 500,
                "x-multiline": True,
            },
        },
        "required": ["producer", "plan"],
        "additionalProperties": False,
    }
    name_zh, name_en = (
        ("农村电商发展补贴申请", "Rural e-commerce development subsidy")
        if subsidy
        else ("农村电商技能培训报名", "Rural e-commerce skills training")
    )
    conditions_zh, conditions_en = (
        (
            "已登记的农村经营主体；有附有效承诺达标合格证的在售商品；近十二个月网络销售额不低于1000元。",
            "A registered rural producer with an open listing carrying a valid compliance "
            "certificate and at least 1,000 yuan of online sales in the last twelve months.",
        )
        if subsidy
        else ("已登记的农村经营主体。", "A registered rural producer.")
    )
    return ServiceGuide(
        name_zh=name_zh,
        name_en=name_en,
        service_type="reward" if subsidy else "public_service",
        audience="both",
        statutory_days=20 if subsidy else 10,
        promised_days=10 if subsidy else 5,
        workflow=standard_workflow(DepartmentKind.AGRICULTURE, Level.CITY, 10 if subsidy else 5),
        guide_zh=f"{name_zh}由杭州市农业农村局办理，全程网办；资格按平台上的经营主体登记、商品和销售记录核验。",
        guide_en=(
            f"{name_en}, handled fully online by the Hangzhou Agriculture and Rural Affairs "
            "Bureau; eligibility is checked against the producer's registration, listings "
            "and sales on the platform."
        ),
        conditions_zh=conditions_zh,
        conditions_en=conditions_en,
        keywords_zh="农村电商 补贴 培训 农产品",
        keywords_en="rural e-commerce subsidy training farm products",
        legal_basis_zh="《中华人民共和国乡村振兴促进法》",
        legal_basis_en="Rural Revitalisation Promotion Law of the People's Republic of China",
        form_schema=form_schema,
        result_type="document",
        result_name_zh="补贴决定" if subsidy else "培训报名确认",
        result_name_en="Subsidy decision" if subsidy else "Training place confirmed",
        contact_phone="12345",
    )


def is_published(code: str) -> bool:
    return ServiceItem.objects.filter(code=code, current_version__isnull=False).exists()


def publish_programmes() -> int:
    """Publish the programmes' items where their current version differs (none on a second
    run); returns how many were published."""
    published = 0
    for programme in PROGRAMMES:
        guide = _guide(programme)
        item = (
            ServiceItem.objects.select_related("current_version")
            .filter(code=programme.code)
            .first()
        )
        if (
            item is not None
            and item.current_version is not None
            and guide_of(item.current_version) == guide
        ):
            continue
        publish_service(
            programme.code,
            department_kind=DepartmentKind.AGRICULTURE,
            level=Level.CITY,
            guide=guide,
            life_events=[],
            reason="农村电商扶持项目（issue 25）",
        )
        published += 1
    return published
