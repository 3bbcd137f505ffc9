"""`onewindow seed-demo`: the demo city, idempotent and deterministic for a given --seed."""

from __future__ import annotations

import base64
import hashlib
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from onewindow.applications.models import Application
from onewindow.catalog.seed import seed_catalog
from onewindow.core.divisions import EconomicRegion, Level, UrbanRural
from onewindow.core.models import Division
from onewindow.core.services import define_division
from onewindow.core.validators import generate_credit_code, generate_resident_id
from onewindow.demo import city
from onewindow.demo.alerts import seed_alerts
from onewindow.demo.applications import (
    handling_officers,
    seed_applications,
    seed_exchange,
)
from onewindow.demo.assistant import seed_assistant_questions
from onewindow.demo.catalogue import seed_city_catalogue
from onewindow.demo.city_operations import seed_city_operations
from onewindow.demo.credit import DEMO_CREDIT_CODE, seed_credit
from onewindow.demo.deliveries import seed_deliveries
from onewindow.demo.hall_visits import seed_hall_visits
from onewindow.demo.health_codes import seed_health_codes
from onewindow.demo.hotline import seed_hotline
from onewindow.demo.insights import seed_insights
from onewindow.demo.licences import seed_licences
from onewindow.demo.open_data import seed_open_data
from onewindow.demo.rural import partner_keys, seed_rural
from onewindow.demo.sign_on import (
    PARTNER_CLIENT_ID,
    PARTNER_REDIRECT,
    PARTNER_SECRET,
    TERMINAL_CLIENT_ID,
    seed_sign_on,
)
from onewindow.demo.supervision import seed_supervision
from onewindow.identity import services as identity
from onewindow.identity.models import (
    Business,
    Department,
    DepartmentKind,
    Role,
    User,
    UserKind,
)

CITIZENS = 1000
# Enough for every state in every queue; each is filed and decided through the real services
# (about 0.1-0.4 s apiece), so thousands would make a newcomer wait minutes: ask for them.
APPLICATIONS = 300
PROGRESS_EVERY = 50
BUSINESSES = 100
TODAY = date(2026, 11, 1)  # fixed, so that ages are the same on every run


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    totp_secret: str = ""


class Command(BaseCommand):
    help = (
        "Load the demo city: divisions, departments, officers, 1,000 citizens, 100 businesses "
        f"and {APPLICATIONS} applications (--applications N for more)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument(
            "--applications",
            type=int,
            default=APPLICATIONS,
            help=f"demo applications to file on first load (default {APPLICATIONS})",
        )

    def handle(self, *args: Any, seed: int, applications: int, **options: Any) -> None:
        rng = random.Random(seed)
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        with transaction.atomic():
            with self._phase("the map: divisions, departments, officers and 1,000 residents"):
                villages = self._divisions()
                departments = self._departments()
                accounts = self._officers(departments, seed)
                accounts += self._people(villages, rng, fake, seed)
            with self._phase("the service catalogue and the city's implementation list"):
                seed_catalog()
                seed_city_catalogue()
                handling_officers(
                    make_password(city.DEMO_PASSWORD), lambda user: self._totp(user, seed)
                )
        # Data services first, so the demo's applications fetch what the departments hold.
        with self._phase("data services and grants"):
            seed_exchange(rng)
        with self._phase("business credit profiles"):
            seed_credit(rng, city.DEMO_PASSWORD, lambda user: self._totp(user, seed))
        with self._phase(f"{applications} applications in every state", quiet_start=True) as say:
            seed_applications(
                rng,
                applications,
                progress=lambda done: say(f"{done} of {applications}"),
                every=PROGRESS_EVERY,
            )
        with self._phase("paper results by post and at the hall"):
            seed_deliveries()
        with self._phase("electronic licences"):
            seed_licences()  # last: whatever the approvals above should have issued
        with self._phase("hotline cases, reviews and a mediation"):
            hotline_cases = seed_hotline(rng)
        with self._phase("public alerts: a typhoon and a water-supply notice"):
            reached = seed_alerts()
        with self._phase("health and travel codes: green, yellow and red"):
            with_codes = seed_health_codes()
        with self._phase("service halls, fees and payments, tax returns"):
            hall_count, fee_count, return_count = seed_hall_visits()
        with self._phase("partner apps for sign-on"), transaction.atomic():
            seed_sign_on()
        with self._phase("open data: budgets, procurement, datasets"), transaction.atomic():
            open_data = seed_open_data(rng, city.DEMO_PASSWORD)
        with self._phase("questions residents asked the assistant"):
            seed_assistant_questions()
        with self._phase("random inspections: two plans drawn, results, a penalty"):
            inspected = seed_supervision(city.DEMO_PASSWORD, lambda user: self._totp(user, seed))
        with self._phase("a field study of 150 residents and its report"):
            study_ref = seed_insights(rng)
        with self._phase("city operations: twenty sensors and a day of events"):
            sensor_count, event_count = seed_city_operations(rng)
        with self._phase("rural e-commerce: 40 producers, a season of sales"):
            producers, listings, sales = seed_rural(rng, seed)
        self._print(accounts)
        self.stdout.write(
            f"Citizen hotline: {hotline_cases} cases at /hotline/ (wall, scoreboard, trends)."
        )
        self.stdout.write(f"Public alerts: {reached} deliveries; see /alerts/.")
        self.stdout.write(
            f"City operations: {sensor_count} sensors and {event_count} events at /city/ (the "
            "dispatcher); departments at /city/work/ (alert-author, city-urban, city-transport, "
            "city-ecology); `make demo` keeps the sensors publishing (cityops-simulate)."
        )
        self.stdout.write(
            f"Insights: indicators at /insights/; the published study /insights/reports/"
            f"{study_ref}/; the analyst works at /insights/work/, the village agent visits "
            "residents at /insights/visits/."
        )
        self.stdout.write(
            f"Health codes: {with_codes} residents (resident-0001 green, resident-0004 yellow, "
            "resident-0005 red) at /alerts/health-code/; the health commission's approver "
            "sets colours at /alerts/health-codes/."
        )
        self.stdout.write(open_data)
        self.stdout.write(inspected)
        self.stdout.write(
            f"Rural e-commerce: {producers} producers, {listings} listings and {sales} sales at "
            "/rural/ (the village agent's station: /rural/station/); partner feed "
            "/api/v1/rural/feed with X-Api-Key: "
            + "; ".join(f"{name} {key}" for name, key in partner_keys(seed))
            + "."
        )
        self.stdout.write(
            f"Service halls: {hall_count} with a week of slots at /appointments/; "
            f"{fee_count} fees paid online in every state; {return_count} tax returns at /tax/."
        )

    @contextmanager
    def _phase(self, what: str, *, quiet_start: bool = False) -> Iterator[Callable[[str], None]]:
        """Say what is being seeded and how long it took, on stderr: seeding takes a while,
        and stdout (the accounts and their secrets) must read the same on every run. A long
        phase (`quiet_start`) says instead, a line each time, how far it has got."""
        started = time.monotonic()

        def elapsed() -> str:
            return f"{time.monotonic() - started:.1f} s"

        def say(progress: str) -> None:
            self.stderr.write(f"Seeding {what}… {progress} in {elapsed()}", style_func=str)
            self.stderr.flush()

        if not quiet_start:
            self.stderr.write(f"Seeding {what}…", style_func=str, ending="")
            self.stderr.flush()
        yield say
        if quiet_start:
            self.stderr.write(f"Seeding {what}… done in {elapsed()}", style_func=str)
        else:
            self.stderr.write(f" done in {elapsed()}", style_func=str)

    # --- the map ---------------------------------------------------------------------------
    def _divisions(self) -> list[Division]:
        nation = define_division(
            code=city.NATION[0],
            level=Level.NATION,
            name_zh=city.NATION[1],
            name_en=city.NATION[2],
            parent=None,
        )
        province = define_division(
            code=city.PROVINCE[0],
            level=Level.PROVINCE,
            name_zh=city.PROVINCE[1],
            name_en=city.PROVINCE[2],
            parent=nation,
            economic_region=EconomicRegion.EAST,
        )
        prefecture = define_division(
            code=city.CITY[0],
            level=Level.CITY,
            name_zh=city.CITY[1],
            name_en=city.CITY[2],
            parent=province,
        )
        villages: list[Division] = []
        for county_data in city.COUNTIES:
            county = define_division(
                code=county_data.code,
                level=Level.COUNTY,
                name_zh=county_data.name_zh,
                name_en=county_data.name_en,
                parent=prefecture,
            )
            for number, (name_zh, name_en) in enumerate(county_data.townships, start=1):
                township_class = self._township_class(county_data.is_urban, name_zh, number)
                # Statistical codes: 0xx streets, 1xx towns, 2xx townships.
                kind_digit = (
                    "0" if name_zh.endswith("街道") else ("1" if name_zh.endswith("镇") else "2")
                )
                township = define_division(
                    code=f"{county_data.code}{kind_digit}{number:02d}",
                    level=Level.TOWNSHIP,
                    name_zh=name_zh,
                    name_en=name_en,
                    parent=county,
                    urban_rural=township_class,
                )
                villages += self._villages(township, is_urban=county_data.is_urban)
        return villages

    @staticmethod
    def _township_class(is_urban: bool, name_zh: str, number: int) -> str:
        if is_urban:
            return UrbanRural.MAIN_URBAN if number <= 3 else UrbanRural.URBAN_RURAL_FRINGE
        if name_zh.endswith("街道") or name_zh.endswith("镇"):
            return UrbanRural.TOWN_CENTRE
        return UrbanRural.RURAL_CENTRE

    @staticmethod
    def _villages(township: Division, *, is_urban: bool) -> list[Division]:
        created = []
        for number in range(1, city.VILLAGES_PER_TOWNSHIP + 1):
            if is_urban:
                code, urban_rural = f"{township.code}{number:03d}", UrbanRural.MAIN_URBAN
                name_zh, name_en = (
                    f"{township.name_zh[:2]}第{number}社区",
                    f"{township.name_en.split()[0]} Community {number}",
                )
            elif number == 1:
                code, urban_rural = f"{township.code}{number:03d}", UrbanRural.TOWN_FRINGE
                name_zh, name_en = (
                    f"{township.name_zh[:2]}社区",
                    f"{township.name_en.split()[0]} Community",
                )
            else:
                code, urban_rural = f"{township.code}2{number:02d}", UrbanRural.VILLAGE
                name_zh, name_en = (
                    f"{township.name_zh[:2]}{number}村",
                    f"{township.name_en.split()[0]} Village {number}",
                )
            created.append(
                define_division(
                    code=code,
                    level=Level.VILLAGE,
                    name_zh=name_zh,
                    name_en=name_en,
                    parent=township,
                    urban_rural=urban_rural,
                )
            )
        return created

    # --- departments and officers ---------------------------------------------------------
    def _departments(self) -> dict[str, Department]:
        departments: dict[str, Department] = {}

        def define(
            code: str,
            kind: str,
            name_zh: str,
            name_en: str,
            division_code: str,
            parent: Department | None,
        ) -> Department:
            department, _created = Department.objects.update_or_create(
                code=code,
                defaults={
                    "kind": kind,
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "parent": parent,
                    "division": Division.objects.get(code=division_code),
                },
            )
            departments[code] = department
            return department

        for suffix, kind, name_zh, name_en in city.PROVINCE_DEPARTMENTS:
            define(f"330000-{suffix}", kind, name_zh, name_en, "330000", None)
        for suffix, kind, name_zh, name_en in city.CITY_DEPARTMENTS:
            parent = departments.get(f"330000-{suffix}")
            define(f"330100-{suffix}", kind, name_zh, name_en, "330100", parent)
        for county in city.COUNTIES:
            for suffix in city.COUNTY_BRANCHES:
                upper = departments[f"330100-{suffix}"]
                define(
                    f"{county.code}-{suffix}",
                    upper.kind,
                    upper.name_zh.replace("杭州市", county.name_zh),
                    f"{county.name_en} Branch, {upper.name_en}",
                    county.code,
                    upper,
                )
            define(
                f"{county.code}-GSA",
                DepartmentKind.GOVERNMENT_SERVICES,
                f"{county.name_zh}行政服务中心",
                f"{county.name_en} Administrative Service Centre",
                county.code,
                departments["330100-GSA"],
            )
        # Township offices of a rural and an urban township: they assign people's mediators.
        for township_code in city.TOWNSHIP_OFFICES:
            township = Division.objects.get(code=township_code)
            suffix = "办事处" if township.name_zh.endswith("街道") else "人民政府"
            define(
                f"{township_code}-TWP",
                DepartmentKind.TOWNSHIP_OFFICE,
                f"{township.name_zh}{suffix}",
                f"{township.name_en} Office",
                township_code,
                None,
            )
        return departments

    def _officers(self, departments: dict[str, Department], seed: int) -> list[DemoAccount]:
        accounts = []
        for officer in city.DEMO_OFFICERS:
            user = User.objects.filter(username=officer.username).first()
            if user is None:
                user = identity.create_officer(
                    username=officer.username,
                    password=city.DEMO_PASSWORD,
                    real_name=officer.real_name,
                    department=departments[officer.department],
                    roles=officer.roles,
                    email=f"{officer.username}@demo.onewindow.example",
                )
            accounts.append(
                DemoAccount(
                    str(Role(officer.roles[0]).label), officer.username, self._totp(user, seed)
                )
            )
        return accounts

    @staticmethod
    def _totp(user: User, seed: int) -> str:
        """A confirmed TOTP device whose key follows from the seed, so the demo can print it."""
        key = hashlib.sha256(f"onewindow-demo:{seed}:{user.username}".encode()).digest()[:20]
        TOTPDevice.objects.update_or_create(
            user=user,
            name="demo authenticator",
            defaults={"key": key.hex(), "confirmed": True},
        )
        return base64.b32encode(key).decode("ascii")

    # --- citizens and businesses ---------------------------------------------------------
    def _people(
        self, villages: list[Division], rng: random.Random, fake: Faker, seed: int
    ) -> list[DemoAccount]:
        password_hash = make_password(city.DEMO_PASSWORD)  # hashed once: 1,000 Argon2 runs is slow
        if not User.objects.filter(username="resident-0001").exists():
            self._citizens(villages, rng, fake, password_hash)
        citizen = User.objects.get(username="resident-0001")
        founder = User.objects.get(username="resident-0002")
        business_agent = User.objects.get(username="resident-0003")
        if not Business.objects.exists():
            self._businesses(rng, fake, founder, business_agent)
        village = villages[-1]
        station_agent = User.objects.filter(username="village-agent").first()
        if station_agent is None:
            station_agent = User.objects.create(
                username="village-agent",
                real_name="何建国",
                kind=UserKind.STATION_AGENT,
                division=village,
                password=password_hash,
            )
        User.objects.filter(
            username__in=["resident-0001", "resident-0002", "resident-0003"]
        ).update(password=password_hash)
        return [
            DemoAccount("Citizen", citizen.username),
            DemoAccount("Business legal representative", founder.username),
            DemoAccount("Business agent", business_agent.username),
            DemoAccount(
                "Village service-station agent",
                station_agent.username,
                self._totp(station_agent, seed),
            ),
        ]

    def _citizens(
        self, villages: list[Division], rng: random.Random, fake: Faker, password_hash: str
    ) -> None:
        mobiles: set[str] = set()
        users = []
        for number in range(1, CITIZENS + 1):
            village = villages[rng.randrange(len(villages))]
            # Ages 18–95; roughly one in five over 65, as in Zhejiang's population.
            age = rng.randint(66, 95) if rng.random() < 0.2 else rng.randint(18, 65)
            birth = TODAY - timedelta(days=age * 365 + rng.randint(0, 364))
            id_number = generate_resident_id(rng, division_code=village.code[:6], birth=birth)
            mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            while mobile in mobiles:
                mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            mobiles.add(mobile)
            user = User(
                username=f"resident-{number:04d}",
                real_name=fake.name(),
                kind=UserKind.CITIZEN,
                division=village,
                birth_year=birth.year,
                password=password_hash,
                email=f"resident-{number:04d}@demo.onewindow.example",
            )
            user.set_id_number(id_number)
            user.set_mobile(mobile)
            users.append(user)
        User.objects.bulk_create(users, batch_size=500)

    def _businesses(self, rng: random.Random, fake: Faker, founder: User, agent: User) -> None:
        citizens = list(User.objects.filter(kind=UserKind.CITIZEN).order_by("username")[:400])
        counties = list(Division.objects.filter(level=Level.COUNTY).order_by("code"))
        codes: set[str] = set()
        businesses = []
        for number in range(BUSINESSES):
            county = counties[number % len(counties)]
            code = generate_credit_code(rng, division_code=county.code)
            while code in codes:
                code = generate_credit_code(rng, division_code=county.code)
            codes.add(code)
            representative = founder if number == 0 else citizens[rng.randrange(len(citizens))]
            businesses.append(
                Business(
                    credit_code=code,
                    name=fake.company(),
                    division=county,
                    legal_representative=representative,
                )
            )
        Business.objects.bulk_create(businesses)
        first = Business.objects.get(legal_representative=founder)
        identity.authorise_agent(first, by=founder, agent=agent)

    # --- output ----------------------------------------------------------------------------
    def _print(self, accounts: list[DemoAccount]) -> None:
        write = self.stdout.write
        write("")
        write(
            f"Demo city loaded: {Division.objects.count()} divisions, "
            f"{Department.objects.count()} departments, "
            f"{User.objects.filter(kind=UserKind.CITIZEN).count()} citizens, "
            f"{Business.objects.count()} businesses, "
            f"{Application.objects.count()} applications in every state."
        )
        write(f"Every demo account's password: {city.DEMO_PASSWORD}")
        write(
            f"Credit profile with a penalty and a licence: /exchange/credit/{DEMO_CREDIT_CODE}/ "
            "(its owner: resident-0002)."
        )
        write(
            f"Sign-on (OpenID Connect, /o/.well-known/openid-configuration): demo partner app "
            f"client_id {PARTNER_CLIENT_ID}, secret {PARTNER_SECRET}, redirect URI "
            f"{PARTNER_REDIRECT}; public hall terminal client_id {TERMINAL_CLIENT_ID} (PKCE only)."
        )
        write("Officer and agent accounts also need a TOTP code: add the secret to an")
        write("authenticator app, or print the current code with `onewindow demo-totp USERNAME`.")
        write("")
        write(f"  {'role':<32} {'account':<16} TOTP secret")
        for account in accounts:
            write(f"  {account.role:<32} {account.username:<16} {account.totp_secret or '-'}")
        write("")
