"""The eight services every OneWindow installation starts with, with real-world guides.

Published through `publish_service`, so seeding takes the same checks as an administrator's
edit. Running it again publishes nothing new unless a definition here changed.
"""

from __future__ import annotations

from typing import Any

from onewindow.catalog.models import Audience, Delivery, MaterialSource, ServiceItem, ServiceType
from onewindow.catalog.services import ServiceGuide, publish_service
from onewindow.core.divisions import Level
from onewindow.identity.models import DepartmentKind


def _material(
    key: str, name_zh: str, name_en: str, source: str, *, exchange: str = "", required: bool = True
) -> dict[str, Any]:
    material: dict[str, Any] = {
        "key": key,
        "name_zh": name_zh,
        "name_en": name_en,
        "source": source,
        "is_required": required,
    }
    if exchange:
        material["exchange_service"] = exchange
    return material


def _text(title: str, title_zh: str, *, max_length: int = 100, **extra: Any) -> dict[str, Any]:
    return {
        "type": "string",
        "title": title,
        "x-title-zh": title_zh,
        "maxLength": max_length,
        **extra,
    }


def _choice(title: str, title_zh: str, labels: dict[str, tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "string",
        "title": title,
        "x-title-zh": title_zh,
        "enum": list(labels),
        "x-enum-labels": {value: {"zh": zh, "en": en} for value, (zh, en) in labels.items()},
    }


RESIDENT_ID = r"^\d{17}[\dX]$"

BIRTH_REGISTRATION = dict(
    code="330000-PSB-HJ-001",
    department_kind=DepartmentKind.PUBLIC_SECURITY,
    level=Level.COUNTY,
    life_events=["birth"],
    guide=ServiceGuide(
        name_zh="出生登记（新生儿落户）",
        name_en="Birth registration (newborn household entry)",
        service_type=ServiceType.ADMINISTRATIVE_CONFIRMATION,
        audience=Audience.CITIZEN,
        statutory_days=10,
        promised_days=3,
        visits=0,
        fee_fen=0,
        delivery_options=[Delivery.ELECTRONIC, Delivery.POST],
        credential_kind="birth_registration",
        keywords_zh="新生儿 落户 上户口 出生医学证明 户口本",
        keywords_en="newborn baby household registration hukou birth certificate",
        guide_zh=(
            "婴儿出生后一个月内，由父亲或母亲为其申报出生登记，随父或随母落户。出生医学证明、"
            "父母身份信息和婚姻登记信息由平台向卫生健康、公安、民政部门调取，无需提交纸质材料；"
            "只需上传户口簿户主页和本人页。审核通过后电子户籍证明即时发放，新户口簿可邮寄到家。"
        ),
        guide_en=(
            "Within one month of the birth, the father or mother registers the baby into either "
            "parent's household. The birth medical certificate, the parents' identity and their "
            "marriage record are fetched by the platform from the health, public security and "
            "civil affairs departments: no paper is needed. Upload only the household register's "
            "head page and your own page. Once approved, an electronic household certificate is "
            "issued at once and the updated register can be posted to you."
        ),
        legal_basis_zh="《中华人民共和国户口登记条例》第七条",
        legal_basis_en="Regulations on Household Registration of the PRC, article 7",
        materials=[
            _material(
                "birth_certificate",
                "出生医学证明",
                "Birth medical certificate",
                MaterialSource.EXCHANGE,
                exchange="health.birth_certificate",
            ),
            _material(
                "parents_identity",
                "父母居民身份证信息",
                "Parents' resident identity records",
                MaterialSource.EXCHANGE,
                exchange="public_security.household_registration",
            ),
            _material(
                "marriage_record",
                "父母婚姻登记信息",
                "Parents' marriage record",
                MaterialSource.EXCHANGE,
                exchange="civil_affairs.marriage_record",
            ),
            _material(
                "household_register",
                "户口簿（户主页及本人页）",
                "Household register (head and own pages)",
                MaterialSource.UPLOAD,
            ),
            _material(
                "household_certificate",
                "电子户籍证明",
                "Electronic household certificate",
                MaterialSource.PLATFORM,
            ),
        ],
        form_schema={
            "type": "object",
            "properties": {
                "baby_name": _text("Baby's name", "新生儿姓名", max_length=30, minLength=1),
                "baby_sex": _choice(
                    "Baby's sex", "新生儿性别", {"female": ("女", "Female"), "male": ("男", "Male")}
                ),
                "birth_date": {
                    "type": "string",
                    "format": "date",
                    "title": "Date of birth",
                    "x-title-zh": "出生日期",
                },
                "birth_certificate_number": _text(
                    "Birth medical certificate number",
                    "出生医学证明编号",
                    max_length=10,
                    pattern=r"^[A-Z]\d{9}$",
                    description="One letter and nine digits, printed at the top right.",
                    **{"x-description-zh": "一个字母加九位数字，印在证明右上角。"},
                ),
                "household_of": _choice(
                    "Register into the household of",
                    "随父或随母落户",
                    {"father": ("随父", "The father"), "mother": ("随母", "The mother")},
                ),
            },
            "required": [
                "baby_name",
                "baby_sex",
                "birth_date",
                "birth_certificate_number",
                "household_of",
            ],
            "additionalProperties": False,
        },
        workflow="""
workflow remind_before=1
step review name_zh="户籍民警审核" name_en="Household registration officer's review" role=reviewer department=public_security level=county sla=2
step approve name_zh="所长审批" name_en="Station chief's approval" role=approver department=public_security level=county sla=1 after=review
""",
    ),
)

MARRIAGE_REGISTRATION = dict(
    code="330000-CA-HY-001",
    department_kind=DepartmentKind.CIVIL_AFFAIRS,
    level=Level.COUNTY,
    life_events=["marriage"],
    guide=ServiceGuide(
        name_zh="内地居民结婚登记",
        name_en="Marriage registration (mainland residents)",
        service_type=ServiceType.ADMINISTRATIVE_CONFIRMATION,
        audience=Audience.CITIZEN,
        statutory_days=1,
        promised_days=1,
        visits=1,
        delivery_options=[Delivery.PICKUP],
        credential_kind="marriage_certificate",
        keywords_zh="结婚 领证 婚姻登记 结婚证",
        keywords_en="marriage wedding marriage certificate register",
        guide_zh=(
            "男女双方在网上预约并填写声明后，须共同到婚姻登记处当场确认、签字并拍照，"
            "当场领取结婚证：只跑一次。双方身份和婚姻状况由平台核验，无需户口簿。"
        ),
        guide_en=(
            "After booking online and making the declaration, both parties come together to the "
            "marriage registry once to confirm and sign in person, and receive the certificates "
            "there: one visit. Identity and marital status are checked by the platform; no "
            "household register is needed."
        ),
        legal_basis_zh="《中华人民共和国民法典》第一千零四十九条；《婚姻登记条例》第四条",
        legal_basis_en="Civil Code of the PRC, article 1049; Marriage Registration Regulations, article 4",
        materials=[
            _material(
                "identity",
                "双方居民身份证信息",
                "Both parties' identity records",
                MaterialSource.EXCHANGE,
                exchange="public_security.household_registration",
            ),
            _material(
                "marital_status",
                "双方婚姻状况",
                "Both parties' marital status",
                MaterialSource.EXCHANGE,
                exchange="civil_affairs.marriage_record",
            ),
            _material(
                "photo",
                "双方近期半身免冠合影（2寸）",
                "Recent joint photo, 2-inch",
                MaterialSource.UPLOAD,
            ),
        ],
        form_schema={
            "type": "object",
            "properties": {
                "partner_name": _text("Partner's name", "另一方姓名", max_length=30, minLength=1),
                "partner_id_number": _text(
                    "Partner's resident ID number",
                    "另一方身份证号",
                    max_length=18,
                    pattern=RESIDENT_ID,
                ),
                "appointment_date": {
                    "type": "string",
                    "format": "date",
                    "title": "Appointment date",
                    "x-title-zh": "预约日期",
                },
                "both_confirm": {
                    "type": "boolean",
                    "const": True,
                    "title": "We both declare that we marry of our own free will and meet the legal conditions",
                    "x-title-zh": "双方声明自愿结婚，符合法定条件",
                },
            },
            "required": ["partner_name", "partner_id_number", "appointment_date", "both_confirm"],
            "additionalProperties": False,
        },
        workflow="""
workflow remind_before=0
step register name_zh="婚姻登记员当场审查登记" name_en="Registrar's review in person" role=reviewer department=civil_affairs level=county sla=1
""",
    ),
)

INDIVIDUAL_BUSINESS = dict(
    code="330000-AMR-GT-001",
    department_kind=DepartmentKind.MARKET_SUPERVISION,
    level=Level.COUNTY,
    life_events=["business"],
    is_apply_anywhere=True,
    guide=ServiceGuide(
        name_zh="个体工商户设立登记",
        name_en="Individual business registration",
        service_type=ServiceType.ADMINISTRATIVE_REGISTRATION,
        audience=Audience.CITIZEN,
        statutory_days=15,
        promised_days=1,
        visits=0,
        delivery_options=[Delivery.ELECTRONIC, Delivery.PICKUP, Delivery.POST],
        credential_kind="business_licence",
        keywords_zh="个体户 开店 营业执照 小店 摊位",
        keywords_en="sole trader shop small business licence self-employed",
        guide_zh="经营者本人网上申请，全程电子化，一个工作日内核发电子营业执照，可在任意服务大厅领取纸质执照。",
        guide_en=(
            "The operator applies online; the whole process is electronic and the electronic "
            "business licence is issued within one working day. The paper licence can be "
            "collected at any service hall."
        ),
        legal_basis_zh="《促进个体工商户发展条例》第八条；《市场主体登记管理条例》",
        legal_basis_en="Regulations on Promoting Individual Businesses, article 8; Market Entity Registration Regulations",
        materials=[
            _material(
                "operator_identity",
                "经营者身份信息",
                "Operator's identity",
                MaterialSource.EXCHANGE,
                exchange="public_security.household_registration",
            ),
            _material(
                "premises",
                "经营场所使用证明",
                "Proof of the right to use the premises",
                MaterialSource.UPLOAD,
            ),
        ],
        form_schema={
            "type": "object",
            "properties": {
                "trade_name": _text("Trade name", "个体户名称", max_length=60, minLength=2),
                "business_scope": _text(
                    "Business scope",
                    "经营范围",
                    max_length=500,
                    minLength=2,
                    **{"x-multiline": True},
                ),
                "premises_address": _text(
                    "Premises address", "经营场所", max_length=200, minLength=4
                ),
                "form_of_organisation": _choice(
                    "Form",
                    "组成形式",
                    {
                        "individual": ("个人经营", "Run by one person"),
                        "family": ("家庭经营", "Run by a family"),
                    },
                ),
            },
            "required": [
                "trade_name",
                "business_scope",
                "premises_address",
                "form_of_organisation",
            ],
            "additionalProperties": False,
        },
        workflow="""
workflow remind_before=0
step register name_zh="登记审核" name_en="Registration review" role=reviewer department=market_supervision level=county sla=1
""",
    ),
)

COMPANY_ESTABLISHMENT = dict(
    code="330000-AMR-QY-001",
    department_kind=DepartmentKind.MARKET_SUPERVISION,
    level=Level.COUNTY,
    life_events=["business"],
    is_apply_anywhere=True,
    guide=ServiceGuide(
        name_zh="企业开办“一件事”（公司设立登记、印章刻制、发票申领、社保登记、银行开户）",
        name_en="Company establishment as one service (registration, seals, invoices, social insurance, bank account)",
        service_type=ServiceType.ADMINISTRATIVE_REGISTRATION,
        audience=Audience.BOTH,
        statutory_days=3,
        promised_days=1,
        visits=0,
        delivery_options=[Delivery.ELECTRONIC, Delivery.POST],
        credential_kind="business_licence",
        keywords_zh="开公司 注册公司 企业开办 营业执照 刻章 发票 社保 银行开户 一件事",
        keywords_en="start company incorporate business establishment licence seal invoice bank",
        guide_zh=(
            "一次填报、一套材料：市场监管、公安、税务、人力社保和人民银行五个部门并联办理，"
            "一个工作日内办结。电子营业执照、电子印章、税务 Ukey、社保登记和银行账户信息一并发放，"
            "实体印章免费邮寄。"
        ),
        guide_en=(
            "One form, one set of materials: market supervision, public security, taxation, "
            "social security and the People's Bank handle it in parallel, done within one working "
            "day. The electronic business licence, electronic seals, tax set-up, social insurance "
            "registration and bank account details come together; physical seals are posted free."
        ),
        legal_basis_zh="《中华人民共和国公司法》第二十九条；《市场主体登记管理条例》第十九条",
        legal_basis_en="Company Law of the PRC, article 29; Market Entity Registration Regulations, article 19",
        materials=[
            _material("articles", "公司章程", "Articles of association", MaterialSource.UPLOAD),
            _material(
                "premises", "住所使用证明", "Proof of the registered address", MaterialSource.UPLOAD
            ),
            _material(
                "shareholder_identity",
                "股东、法定代表人身份信息",
                "Shareholders' and legal representative's identity",
                MaterialSource.EXCHANGE,
                exchange="public_security.household_registration",
            ),
            _material(
                "business_licence",
                "电子营业执照",
                "Electronic business licence",
                MaterialSource.PLATFORM,
            ),
        ],
        form_schema={
            "type": "object",
            "properties": {
                "company_name": _text("Company name", "企业名称", max_length=100, minLength=4),
                "registered_capital_wan": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 10000000,
                    "title": "Registered capital (10,000 yuan)",
                    "x-title-zh": "注册资本（万元）",
                },
                "business_scope": _text(
                    "Business scope",
                    "经营范围",
                    max_length=1000,
                    minLength=2,
                    **{"x-multiline": True},
                ),
                "registered_address": _text(
                    "Registered address", "住所", max_length=200, minLength=4
                ),
                "employees": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 100000,
                    "title": "Employees at start",
                    "x-title-zh": "初始员工人数",
                },
                "seal_count": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 5,
                    "title": "Physical seals to engrave",
                    "x-title-zh": "刻制实体印章数量",
                },
            },
            "required": [
                "company_name",
                "registered_capital_wan",
                "business_scope",
                "registered_address",
                "employees",
                "seal_count",
            ],
            "additionalProperties": False,
        },
        workflow="""
workflow remind_before=0
step registration name_zh="设立登记" name_en="Company registration" role=reviewer department=market_supervision level=county sla=1
step seal name_zh="印章刻制备案" name_en="Seal engraving" role=reviewer department=public_security level=county sla=1
step invoices name_zh="发票申领与税务登记" name_en="Tax invoices set-up" role=reviewer department=taxation level=county sla=1
step social_insurance name_zh="社保登记" name_en="Social insurance registration" role=reviewer department=human_resources level=county sla=1
step bank_account name_zh="银行开户" name_en="Bank account opening" role=reviewer department=peoples_bank level=county sla=1
""",
    ),
)

_OPINIONS = (
    ("land", "用地预审意见", "Land use pre-review", DepartmentKind.NATURAL_RESOURCES),
    (
        "planning",
        "规划选址与施工许可意见",
        "Siting and construction permit",
        DepartmentKind.HOUSING,
    ),
    ("environment", "环境影响评价意见", "Environmental impact assessment", DepartmentKind.ECOLOGY),
    ("safety", "安全评价意见", "Work safety assessment", DepartmentKind.EMERGENCY),
    ("traffic", "交通影响评价意见", "Traffic impact assessment", DepartmentKind.TRANSPORT),
    ("fire", "消防设计审查意见", "Fire protection design review", DepartmentKind.PUBLIC_SECURITY),
    (
        "city_management",
        "市政设施与市容意见",
        "Municipal facilities opinion",
        DepartmentKind.CITY_MANAGEMENT,
    ),
    ("health", "卫生学评价意见", "Public health assessment", DepartmentKind.HEALTH),
)

INVESTMENT_PROJECT = dict(
    code="330000-DRC-TZ-001",
    department_kind=DepartmentKind.DEVELOPMENT_REFORM,
    level=Level.CITY,
    life_events=["business"],
    guide=ServiceGuide(
        name_zh="企业投资项目核准（一个项目代码，多部门并联审批）",
        name_en="Enterprise investment project approval (one project code, parallel opinions)",
        service_type=ServiceType.ADMINISTRATIVE_LICENCE,
        audience=Audience.BUSINESS,
        statutory_days=20,
        promised_days=10,
        visits=0,
        delivery_options=[Delivery.ELECTRONIC],
        keywords_zh="投资项目 核准 项目代码 并联审批 立项",
        keywords_en="investment project approval project code parallel permits",
        guide_zh=(
            "项目单位通过在线平台赋码后一次提交申请，自然资源、住建、生态环境、应急、交通、"
            "公安消防、城管和卫健八个部门同时出具意见，发展改革部门汇总后作出核准决定。"
            "全过程以项目代码贯穿，企业可随时查看每个部门的进度。"
        ),
        guide_en=(
            "The project receives its code when filed and is submitted once. Natural resources, "
            "housing, ecology, emergency management, transport, fire protection, urban management "
            "and health give their opinions in parallel; development and reform decides on all of "
            "them. The project code follows the project through every department, and the "
            "company can watch each department's progress."
        ),
        legal_basis_zh="《企业投资项目核准和备案管理条例》第九条",
        legal_basis_en="Regulations on the Approval and Filing of Enterprise Investment Projects, article 9",
        materials=[
            _material(
                "application_report",
                "项目申请报告",
                "Project application report",
                MaterialSource.UPLOAD,
            ),
            _material("site_plan", "项目选址总平面图", "Site plan", MaterialSource.UPLOAD),
            _material(
                "business_registration",
                "企业登记信息",
                "Business registration record",
                MaterialSource.EXCHANGE,
                exchange="market_supervision.business_registration",
            ),
        ],
        form_schema={
            "type": "object",
            "properties": {
                "project_name": _text("Project name", "项目名称", max_length=200, minLength=4),
                "total_investment_wan": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 100000000,
                    "title": "Total investment (10,000 yuan)",
                    "x-title-zh": "总投资（万元）",
                },
                "site_address": _text("Site", "建设地点", max_length=200, minLength=4),
                "construction_content": _text(
                    "What will be built",
                    "建设规模及内容",
                    max_length=2000,
                    minLength=4,
                    **{"x-multiline": True},
                ),
                "industry": _choice(
                    "Industry",
                    "所属行业",
                    {
                        "manufacturing": ("制造业", "Manufacturing"),
                        "energy": ("能源", "Energy"),
                        "transport": ("交通运输", "Transport"),
                        "services": ("服务业", "Services"),
                    },
                ),
            },
            "required": [
                "project_name",
                "total_investment_wan",
                "site_address",
                "construction_content",
                "industry",
            ],
            "additionalProperties": False,
        },
        workflow="workflow remind_before=2\n"
        + 'step acceptance name_zh="受理赋码" name_en="Acceptance and project code" role=reviewer department=development_reform level=city sla=1\n'
        + "".join(
            f'step {key} name_zh="{zh}" name_en="{en}" role=reviewer department={kind} level=city sla=5 after=acceptance\n'
            for key, zh, en, kind in _OPINIONS
        )
        + 'step decision name_zh="核准决定" name_en="Approval decision" role=approver department=development_reform level=city sla=3 after='
        + ",".join(key for key, *_rest in _OPINIONS)
        + "\n",
    ),
)

SOCIAL_SECURITY_CARD = dict(
    code="330000-HRSS-SB-001",
    department_kind=DepartmentKind.HUMAN_RESOURCES,
    level=Level.CITY,
    life_events=["work", "birth"],
    is_apply_anywhere=True,
    guide=ServiceGuide(
        name_zh="社会保障卡申领",
        name_en="Social security card application",
        service_type=ServiceType.PUBLIC_SERVICE,
        audience=Audience.CITIZEN,
        statutory_days=20,
        promised_days=5,
        visits=0,
        delivery_options=[Delivery.ELECTRONIC, Delivery.PICKUP, Delivery.POST],
        credential_kind="social_security_card",
        keywords_zh="社保卡 社会保障卡 电子社保卡 医保",
        keywords_en="social security card insurance medical card",
        guide_zh="首次申领免费。电子社保卡即时可用，实体卡制卡后可在任意网点领取或邮寄到家。",
        guide_en=(
            "The first card is free. The electronic card works at once; the physical card can be "
            "collected at any branch or posted home once made."
        ),
        legal_basis_zh="《中华人民共和国社会保险法》第五十八条",
        legal_basis_en="Social Insurance Law of the PRC, article 58",
        materials=[
            _material(
                "identity",
                "居民身份证信息",
                "Identity record",
                MaterialSource.EXCHANGE,
                exchange="public_security.household_registration",
            ),
            _material(
                "photo", "近期免冠证件照", "Recent passport-style photo", MaterialSource.UPLOAD
            ),
        ],
        form_schema={
            "type": "object",
            "properties": {
                "bank": _choice(
                    "Bank for the card's financial account",
                    "社保卡金融账户开户银行",
                    {
                        "icbc": ("中国工商银行", "ICBC"),
                        "ccb": ("中国建设银行", "China Construction Bank"),
                        "abc": ("中国农业银行", "Agricultural Bank of China"),
                        "hzbank": ("杭州银行", "Bank of Hangzhou"),
                    },
                ),
            },
            "required": ["bank"],
            "additionalProperties": False,
        },
        workflow="""
workflow remind_before=1
step review name_zh="制卡审核" name_en="Card review" role=reviewer department=human_resources level=city sla=3
""",
    ),
)

RESIDENCE_PERMIT = dict(
    code="330000-PSB-JZ-001",
    department_kind=DepartmentKind.PUBLIC_SECURITY,
    level=Level.COUNTY,
    life_events=["housing", "work"],
    is_apply_anywhere=True,
    guide=ServiceGuide(
        name_zh="居住证申领",
        name_en="Residence permit application",
        service_type=ServiceType.PUBLIC_SERVICE,
        audience=Audience.CITIZEN,
        statutory_days=15,
        promised_days=7,
        visits=0,
        delivery_options=[Delivery.PICKUP, Delivery.POST],
        credential_kind="residence_permit",
        keywords_zh="居住证 暂住证 外地人 随迁子女 入学",
        keywords_en="residence permit migrant housing school enrolment",
        guide_zh=(
            "离开常住户口所在地，在本市居住半年以上并有合法稳定就业、住所或连续就读之一的，"
            "可申领居住证。居住登记信息由平台核验，凭居住证可享受子女入学、公积金等公共服务。"
        ),
        guide_en=(
            "If you have lived in the city for six months or more away from your registered "
            "household and have stable work, housing or study here, you can apply. The platform "
            "checks your residence registration; the permit opens schooling for your children, "
            "the housing fund and other public services."
        ),
        legal_basis_zh="《居住证暂行条例》第二条、第九条",
        legal_basis_en="Interim Regulations on Residence Permits, articles 2 and 9",
        materials=[
            _material(
                "identity",
                "居民身份证信息",
                "Identity record",
                MaterialSource.EXCHANGE,
                exchange="public_security.household_registration",
            ),
            _material(
                "residence_proof",
                "住所证明（租赁合同或房产证）",
                "Proof of residence (lease or title)",
                MaterialSource.UPLOAD,
            ),
            _material(
                "work_proof",
                "就业或就读证明",
                "Proof of work or study",
                MaterialSource.UPLOAD,
                required=False,
            ),
        ],
        form_schema={
            "type": "object",
            "properties": {
                "residence_address": _text(
                    "Address where you live", "居住地址", max_length=200, minLength=4
                ),
                "resident_since": {
                    "type": "string",
                    "format": "date",
                    "title": "Living there since",
                    "x-title-zh": "居住起始日期",
                },
                "basis": _choice(
                    "Basis",
                    "申领条件",
                    {
                        "work": ("合法稳定就业", "Stable employment"),
                        "housing": ("合法稳定住所", "Stable housing"),
                        "study": ("连续就读", "Continuous study"),
                    },
                ),
            },
            "required": ["residence_address", "resident_since", "basis"],
            "additionalProperties": False,
        },
        workflow="""
workflow remind_before=1
step review name_zh="社区民警核查" name_en="Community police check" role=reviewer department=public_security level=county sla=3
step approve name_zh="审批制证" name_en="Approval and card production" role=approver department=public_security level=county sla=2 after=review
""",
    ),
)

CREDIT_REPAIR = dict(
    code="330000-DRC-XY-001",
    department_kind=DepartmentKind.DEVELOPMENT_REFORM,
    level=Level.CITY,
    life_events=["business"],
    guide=ServiceGuide(
        name_zh="行政处罚信用修复",
        name_en="Credit repair for an administrative penalty",
        service_type=ServiceType.PUBLIC_SERVICE,
        audience=Audience.BUSINESS,
        statutory_days=7,
        promised_days=5,
        visits=0,
        delivery_options=[Delivery.ELECTRONIC],
        keywords_zh="信用修复 行政处罚 提前终止公示 撤销公示 信用中国 失信 信用记录",
        keywords_en="credit repair administrative penalty end publicity early credit record",
        guide_zh=(
            "企业在行政处罚的最短公示期届满后，已履行处罚决定、纠正违法行为并消除不良影响的，"
            "可以申请提前终止该行政处罚信息的公示。请填写行政处罚决定书文号，上传处罚决定书、"
            "罚款缴纳凭证等履行证明、已纠正违法行为的证明材料和信用修复承诺书。"
            "市信用平台（市发展改革委）审核通过后，该处罚信息即停止在信用页面公示，"
            "企业本人仍可查看其记录。最短公示期：一般行政处罚三个月，安全生产、消防和特种设备"
            "领域一年；最长公示期三年，届满自动停止公示，无需申请。"
        ),
        guide_en=(
            "Once an administrative penalty's minimum publicity period has passed, a business "
            "that has carried out the penalty decision, corrected the violation and removed its "
            "effects may apply to end the penalty's publicity early. Give the penalty decision "
            "number and upload the decision, proof of having carried it out (such as the fine's "
            "payment receipt), proof of the correction and a signed credit commitment letter. "
            "When the city credit platform (the Development and Reform Commission) approves, "
            "the penalty is no longer shown on the public credit page; the business itself still "
            "sees the record. Minimum publicity: three months for most penalties, one year in "
            "work safety, fire safety and special equipment; the maximum of three years ends "
            "publicity by itself, without an application."
        ),
        legal_basis_zh=(
            "《失信行为纠正后的信用信息修复管理办法（试行）》（国家发展和改革委员会令2023年第58号）；"
            "《中华人民共和国行政处罚法》第四十八条"
        ),
        legal_basis_en=(
            "Measures for Repairing Credit Information after Dishonest Conduct Is Corrected "
            "(Trial), NDRC Order No. 58 of 2023; Administrative Penalty Law of the PRC, article 48"
        ),
        materials=[
            _material(
                "penalty_decision", "行政处罚决定书", "Penalty decision", MaterialSource.UPLOAD
            ),
            _material(
                "fulfilment_proof",
                "履行行政处罚决定的证明（罚款缴纳凭证等）",
                "Proof the penalty was carried out (e.g. the fine's payment receipt)",
                MaterialSource.UPLOAD,
            ),
            _material(
                "correction_proof",
                "已纠正违法行为、消除不良影响的证明材料",
                "Proof the violation was corrected and its effects removed",
                MaterialSource.UPLOAD,
            ),
            _material(
                "commitment_letter",
                "信用修复承诺书（加盖公章）",
                "Credit commitment letter (with the company seal)",
                MaterialSource.UPLOAD,
            ),
            _material(
                "business_registration",
                "企业登记信息",
                "Business registration record",
                MaterialSource.EXCHANGE,
                exchange="market_supervision.business_registration",
            ),
        ],
        form_schema={
            "type": "object",
            "properties": {
                "decision_number": _text(
                    "Penalty decision number",
                    "行政处罚决定书文号",
                    max_length=80,
                    minLength=4,
                    description="As printed on the decision, e.g. 杭应急罚〔2025〕18号.",
                    **{
                        "x-description-zh": "与处罚决定书上的文号一致，例如：杭应急罚〔2025〕18号。",
                        "x-check": "credit.repairable_penalty",
                    },
                ),
                "correction_summary": _text(
                    "How the violation was corrected",
                    "违法行为纠正情况",
                    max_length=1000,
                    minLength=10,
                    **{"x-multiline": True},
                ),
            },
            "required": ["decision_number", "correction_summary"],
            "additionalProperties": False,
        },
        workflow="""
workflow remind_before=1
step acceptance name_zh="受理审查" name_en="Acceptance check" role=reviewer department=development_reform level=city sla=2
step decision name_zh="修复决定" name_en="Repair decision" role=approver department=development_reform level=city sla=3 after=acceptance
""",
    ),
)

SEEDED_SERVICES = (
    BIRTH_REGISTRATION,
    MARRIAGE_REGISTRATION,
    INDIVIDUAL_BUSINESS,
    COMPANY_ESTABLISHMENT,
    INVESTMENT_PROJECT,
    SOCIAL_SECURITY_CARD,
    RESIDENCE_PERMIT,
    CREDIT_REPAIR,
)


def seed_catalog() -> list[ServiceItem]:
    """Publish every seeded service whose current version differs from its definition here."""
    items = []
    for definition in SEEDED_SERVICES:
        item = ServiceItem.objects.filter(code=definition["code"]).first()
        guide: ServiceGuide = definition["guide"]  # type: ignore[assignment]
        current = item.current_version if item is not None else None
        if current is None or any(
            getattr(current, name) != value for name, value in vars(guide).items()
        ):
            publish_service(**definition)  # type: ignore[arg-type]
        items.append(ServiceItem.objects.get(code=definition["code"]))
    return items
