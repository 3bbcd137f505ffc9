"""An analyst, a village agent and a standard questionnaire, through the real services."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.core.models import Division
from onewindow.identity import services as identity_services
from onewindow.identity.models import Department, DepartmentKind, User, UserKind
from onewindow.insights import questionnaires, services
from onewindow.insights.models import Questionnaire
from tests.identity.factories import PASSWORD, mobile, officer, resident_id


def analyst(city: Division, *, username: str = "analyst") -> User:
    department = Department.objects.create(
        code=f"{city.code}-data",
        name_zh="杭州市数据资源局",
        name_en="Hangzhou Data Resources Bureau",
        kind=DepartmentKind.DATA_BUREAU,
        division=city,
    )
    return officer(department, roles=("analyst",), username=username)


def station_agent(village: Division, *, username: str = "agent") -> User:
    """A village service-station agent with a confirmed second factor."""
    user = identity_services.register_citizen(
        username=username,
        password=PASSWORD,
        real_name="赵村官",
        id_number=resident_id(),
        mobile=mobile(),
        division=village,
        kind=UserKind.STATION_AGENT,
    )
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def standard_questionnaire(author: User) -> Questionnaire:
    return services.create_questionnaire(
        author,
        title_zh="数字政府服务体验调查",
        title_en="Digital government experience survey",
        questions=questionnaires.STANDARD,
    )
