"""The demo city: Hangzhou, Zhejiang, with two urban districts and two rural counties.

Province, city and county codes are the real GB/T 2260 codes; township and village codes
have the real statistical format (9 and 12 digits) but are generated for the demo.
"""

from __future__ import annotations

from dataclasses import dataclass

from onewindow.identity.models import DepartmentKind, Role


@dataclass(frozen=True)
class County:
    code: str
    name_zh: str
    name_en: str
    is_urban: bool
    townships: tuple[tuple[str, str], ...]  # (name_zh, name_en)


NATION = ("000000", "中华人民共和国", "People's Republic of China")
PROVINCE = ("330000", "浙江省", "Zhejiang Province")
CITY = ("330100", "杭州市", "Hangzhou")

COUNTIES = (
    County(
        "330102",
        "上城区",
        "Shangcheng District",
        True,
        (
            ("清波街道", "Qingbo Subdistrict"),
            ("湖滨街道", "Hubin Subdistrict"),
            ("小营街道", "Xiaoying Subdistrict"),
            ("丁兰街道", "Dinglan Subdistrict"),
        ),
    ),
    County(
        "330106",
        "西湖区",
        "Xihu District",
        True,
        (
            ("北山街道", "Beishan Subdistrict"),
            ("西溪街道", "Xixi Subdistrict"),
            ("灵隐街道", "Lingyin Subdistrict"),
            ("转塘街道", "Zhuantang Subdistrict"),
        ),
    ),
    County(
        "330127",
        "淳安县",
        "Chun'an County",
        False,
        (
            ("千岛湖镇", "Qiandaohu Town"),
            ("汾口镇", "Fenkou Town"),
            ("王阜乡", "Wangfu Township"),
            ("屏门乡", "Pingmen Township"),
        ),
    ),
    County(
        "330182",
        "建德市",
        "Jiande City",
        False,
        (
            ("新安江街道", "Xin'anjiang Subdistrict"),
            ("梅城镇", "Meicheng Town"),
            ("大同镇", "Datong Town"),
            ("钦堂乡", "Qintang Township"),
        ),
    ),
)

VILLAGES_PER_TOWNSHIP = 5

# (code suffix, kind, name_zh, name_en) at the city; every county gets a branch of the first three.
CITY_DEPARTMENTS = (
    (
        "GO",
        DepartmentKind.GENERAL_OFFICE,
        "杭州市人民政府办公厅",
        "Hangzhou Municipal Government General Office",
    ),
    (
        "GSA",
        DepartmentKind.GOVERNMENT_SERVICES,
        "杭州市政务服务管理办公室",
        "Hangzhou Government Services Administration",
    ),
    ("DATA", DepartmentKind.DATA_BUREAU, "杭州市数据资源管理局", "Hangzhou Data Resources Bureau"),
    ("PSB", DepartmentKind.PUBLIC_SECURITY, "杭州市公安局", "Hangzhou Public Security Bureau"),
    ("CA", DepartmentKind.CIVIL_AFFAIRS, "杭州市民政局", "Hangzhou Civil Affairs Bureau"),
    (
        "AMR",
        DepartmentKind.MARKET_SUPERVISION,
        "杭州市市场监督管理局",
        "Hangzhou Market Supervision Bureau",
    ),
    (
        "HRSS",
        DepartmentKind.HUMAN_RESOURCES,
        "杭州市人力资源和社会保障局",
        "Hangzhou Human Resources and Social Security Bureau",
    ),
    ("TAX", DepartmentKind.TAXATION, "国家税务总局杭州市税务局", "Hangzhou Taxation Bureau"),
    ("HEALTH", DepartmentKind.HEALTH, "杭州市卫生健康委员会", "Hangzhou Health Commission"),
    (
        "NR",
        DepartmentKind.NATURAL_RESOURCES,
        "杭州市规划和自然资源局",
        "Hangzhou Planning and Natural Resources Bureau",
    ),
    ("HOUSING", DepartmentKind.HOUSING, "杭州市住房保障和房产管理局", "Hangzhou Housing Bureau"),
    ("EDU", DepartmentKind.EDUCATION, "杭州市教育局", "Hangzhou Education Bureau"),
    (
        "MED",
        DepartmentKind.HEALTHCARE_SECURITY,
        "杭州市医疗保障局",
        "Hangzhou Healthcare Security Bureau",
    ),
    (
        "CITY",
        DepartmentKind.CITY_MANAGEMENT,
        "杭州市城市管理局",
        "Hangzhou Urban Management Bureau",
    ),
    ("EMERG", DepartmentKind.EMERGENCY, "杭州市应急管理局", "Hangzhou Emergency Management Bureau"),
    ("TRANS", DepartmentKind.TRANSPORT, "杭州市交通运输局", "Hangzhou Transport Bureau"),
    ("ECO", DepartmentKind.ECOLOGY, "杭州市生态环境局", "Hangzhou Ecology and Environment Bureau"),
    (
        "DRC",
        DepartmentKind.DEVELOPMENT_REFORM,
        "杭州市发展和改革委员会",
        "Hangzhou Development and Reform Commission",
    ),
    (
        "PBC",
        DepartmentKind.PEOPLES_BANK,
        "中国人民银行杭州市分行",
        "People's Bank of China Hangzhou",
    ),
    (
        "HOTLINE",
        DepartmentKind.HOTLINE,
        "杭州市12345政务服务便民热线中心",
        "Hangzhou 12345 Citizen Hotline Centre",
    ),
)
COUNTY_BRANCHES = ("PSB", "AMR", "CA")
PROVINCE_DEPARTMENTS = (
    (
        "AMR",
        DepartmentKind.MARKET_SUPERVISION,
        "浙江省市场监督管理局",
        "Zhejiang Market Supervision Administration",
    ),
    ("PSB", DepartmentKind.PUBLIC_SECURITY, "浙江省公安厅", "Zhejiang Public Security Department"),
    (
        "DATA",
        DepartmentKind.DATA_BUREAU,
        "浙江省大数据发展管理局",
        "Zhejiang Big Data Development Administration",
    ),
)

# Township offices (statistical codes of the demo's Beishan Subdistrict and Wangfu Township).
TOWNSHIP_OFFICES = ("330106001", "330127203")

DEMO_PASSWORD = "OneWindow-demo-2026"


@dataclass(frozen=True)
class DemoOfficer:
    username: str
    real_name: str
    department: str  # department code
    roles: tuple[str, ...]


DEMO_OFFICERS = (
    DemoOfficer("clerk", "王晓燕", "330106-AMR", (Role.WINDOW_CLERK,)),
    DemoOfficer("reviewer", "李明", "330106-AMR", (Role.REVIEWER,)),
    DemoOfficer("approver", "张伟", "330106-PSB", (Role.APPROVER,)),
    DemoOfficer("dept-admin", "陈静", "330106-AMR", (Role.DEPARTMENT_ADMIN,)),
    DemoOfficer("hotline", "刘洋", "330100-HOTLINE", (Role.HOTLINE_AGENT,)),
    DemoOfficer("dispatcher", "赵磊", "330100-HOTLINE", (Role.DISPATCHER,)),
    DemoOfficer("mediator", "吴秀兰", "330127203-TWP", (Role.MEDIATOR,)),
    DemoOfficer("township", "钱建华", "330127203-TWP", (Role.DEPARTMENT_ADMIN,)),
    DemoOfficer("inspector", "孙丽", "330102-AMR", (Role.INSPECTOR,)),
    DemoOfficer("steward", "周強", "330100-PSB", (Role.DATA_STEWARD,)),
    DemoOfficer("supervisor", "何芳", "330100-HRSS", (Role.SUPERVISOR,)),
    DemoOfficer("analyst", "吴敏", "330100-DATA", (Role.ANALYST,)),
    DemoOfficer("admin", "郑国华", "330100-DATA", (Role.PLATFORM_ADMIN,)),
)
