"""The demo district behind ``manage.py seed_demo`` (DESIGN.md "The demo district").

Units: 榆次区 with its 9 streets and 10 towns and townships (real names), 3–4 villages or
communities under each (invented: their codes end in ``-DEMO``), 13 departments and 区委国安办.
People: the named demo accounts of every role, and an official and a leader for every township,
street and department. Risks: about 400 found over the past twelve months, each moved through its
life by the workflow services with the people who would really act, then dated back so that its
timeline reads in order.

All random choices come from one seeded generator and every date is an offset from today, so each
run builds the same district, shifted to end today.
"""

import datetime
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.services import password_set_recorded

from . import workflow
from .demo_data import (
    APPROVAL_TEXTS,
    ASSIGN_TEXT,
    CLOSURE_TEXTS,
    DEPARTMENTS,
    DISTRICT_LEADERS,
    EXTENSION_APPROVAL,
    EXTENSION_REASONS,
    EXTENSION_REFUSAL,
    FINDINGS,
    GIVEN_NAMES,
    HANDOVER_ACCEPTANCE,
    HANDOVER_REASON,
    HANDOVER_REFUSAL,
    LEVEL_WEIGHTS,
    NAMED_PEOPLE,
    OFFICE,
    PROGRESS_TEXTS,
    REOPEN_REASONS,
    RETURN_FOLLOW_UP,
    RETURN_REASONS,
    ROOT,
    SIGN_TEXTS,
    SOURCE_PHRASES,
    SOURCE_WEIGHTS,
    STREETS,
    SURNAMES,
    TOPICS,
    TOWNS,
    WITHDRAW_REASONS,
)
from .models import (
    TERRITORY_KINDS,
    Category,
    Domain,
    EventKind,
    HazardGrade,
    LedgerCounter,
    Level,
    Profile,
    Risk,
    RiskEvent,
    Role,
    State,
    Unit,
    UnitKind,
)

DEFAULT_PASSWORD = "Yuci-Demo-2026!"  # noqa: S105 - the documented demo password, for local use only
RANDOM_SEED = 2026
RISK_COUNT = 400


class SeedError(Exception):
    """The database lacks what the demo district builds on; the message says what."""


# ---------------------------------------------------------------------------------------------
# Units


def territory_code(abbr: str) -> str:
    return f"YC-{abbr}"


def department_code(abbr: str) -> str:
    return f"YC-D-{abbr}"


def _unit_rows():
    """Every demo unit as (parent code or None, code, name, kind, order), parents first."""
    yield None, ROOT[0], ROOT[1], UnitKind.DISTRICT, 0
    territories = [(s, UnitKind.STREET, UnitKind.COMMUNITY) for s in STREETS]
    territories += [(t, UnitKind.TOWNSHIP, UnitKind.VILLAGE) for t in TOWNS]
    for order, ((name, abbr, _places), kind, _grassroots) in enumerate(territories, start=1):
        yield ROOT[0], territory_code(abbr), name, kind, order
    for order, (name, abbr, _title) in enumerate(DEPARTMENTS, start=len(territories) + 1):
        yield ROOT[0], department_code(abbr), name, UnitKind.DEPARTMENT, order
    yield ROOT[0], OFFICE[0], OFFICE[1], UnitKind.OFFICE, len(territories) + len(DEPARTMENTS) + 1
    for (_name, abbr, places), _kind, grassroots in territories:
        for order, place in enumerate(places, start=1):
            # "-DEMO": the village or community is invented.
            yield territory_code(abbr), f"{territory_code(abbr)}-{order:02d}-DEMO", place, grassroots, order


def seed_units() -> dict[str, Unit]:
    """Create the units that are missing (by code) and return all demo units by code.

    A unit that exists is left as it is: an admin may have renamed or moved it since.
    """
    units = {unit.code: unit for unit in Unit.objects.all()}
    for parent_code, code, name, kind, order in _unit_rows():
        if code in units:
            continue
        fields = {"code": code, "name": name, "kind": kind, "order": order}
        if parent_code is None:
            units[code] = Unit.objects.add_root(fields)
        else:
            # add_child re-reads the parent by its id: sorted insertion (node_order_by) may have
            # moved its path since it was read here.
            units[code] = Unit.objects.add_child(units[parent_code], fields)
    # Read back: paths held from before later insertions may be stale.
    codes = [row[1] for row in _unit_rows()]
    return {unit.code: unit for unit in Unit.objects.filter(code__in=codes)}


# ---------------------------------------------------------------------------------------------
# People


@dataclass(frozen=True)
class Person:
    username: str
    last_name: str
    first_name: str
    unit_code: str
    role: str
    title: str

    @property
    def phone(self) -> str:
        # Fake mobile numbers, stable per account.
        rng = random.Random(f"phone:{self.username}")
        return f"1{rng.choice(['38', '39', '58', '59', '35', '37', '86'])}{rng.randrange(10**8):08d}"


def roster() -> list[Person]:
    """Every demo account: the named ones, then an official and a leader for each territory and
    department that has no named one."""
    people = [Person(username, *values) for username, values in NAMED_PEOPLE.items()]
    taken = {(p.unit_code, p.role) for p in people}
    units = [(territory_code(abbr), abbr, "平安办干事", "街道办事处主任") for _name, abbr, _ in STREETS]
    units += [(territory_code(abbr), abbr, "应急管理站干事", f"{name[-1]}长") for name, abbr, _ in TOWNS]
    units += [(department_code(abbr), abbr, "科员", title) for _name, abbr, title in DEPARTMENTS]
    for code, abbr, official_title, leader_title in units:
        for role, suffix, title in (
            (Role.OFFICIAL, "official", official_title),
            (Role.UNIT_LEADER, "leader", leader_title),
        ):
            if (code, role) in taken:
                continue
            username = f"{abbr.lower()}_{suffix}"
            rng = random.Random(f"name:{username}")
            people.append(Person(username, rng.choice(SURNAMES), rng.choice(GIVEN_NAMES), code, role, title))
    return people


def seed_people(units: dict[str, Unit], password: str) -> dict[str, object]:
    """Create or update the demo accounts (their profile and password included); return users by
    username, with profile and unit loaded."""
    User = get_user_model()
    # One hash for all: they share the demo password by design, and hashing it once per account
    # (PBKDF2, about 0.2 s each) would be most of the command's run time.
    password_hash = make_password(password)
    people = roster()
    for person in people:
        superuser = person.role == Role.ADMIN
        user, _created = User.objects.update_or_create(
            username=person.username,
            defaults={
                "last_name": person.last_name,
                "first_name": person.first_name,
                "password": password_hash,
                "email": f"{person.username}@yuci.example",
                "is_active": True,
                # The system admin keeps Django's admin site too.
                "is_staff": superuser,
                "is_superuser": superuser,
            },
        )
        Profile.objects.update_or_create(
            user=user,
            defaults={
                "unit": units[person.unit_code],
                "role": person.role,
                "phone": person.phone,
                "title": person.title,
                "must_change_password": False,
            },
        )
    users = User.objects.select_related("profile__unit").filter(username__in=[p.username for p in people])
    # The demo password counts as set now: no forced change, expiry in PASSWORD_EXPIRY_DAYS.
    password_set_recorded(users=users, encoded=password_hash)
    return {user.username: user for user in users}


# ---------------------------------------------------------------------------------------------
# Planning a risk's life


class Step:
    """One call of a workflow service, by whom, on which day."""

    def __init__(self, service, by, day: datetime.date, **kwargs):
        self.service, self.by, self.day, self.kwargs = service, by, day, kwargs


@dataclass
class Plan:
    risk: Risk  # unsaved
    creator: object
    cooperating: list
    created_day: datetime.date
    steps: list[Step]


class Planner:
    """Draws risks and their stories from one random generator."""

    def __init__(self, *, rng: random.Random, today: datetime.date, units: dict[str, Unit], users: dict):
        self.rng, self.today = rng, today
        self.territories = sorted(
            (u for u in units.values() if u.kind in TERRITORY_KINDS), key=lambda u: u.order
        )
        self.places = defaultdict(list)  # villages and communities by their township's path
        for unit in units.values():
            if unit.is_grassroots:
                self.places[unit.path[: -Unit.steplen]].append(unit)
        self.departments = {abbr: units[department_code(abbr)] for _name, abbr, _title in DEPARTMENTS}
        self.official, self.leader = {}, {}  # by unit id
        for user in users.values():
            if user.profile.role == Role.OFFICIAL:
                self.official[user.profile.unit_id] = user
            elif user.profile.role == Role.UNIT_LEADER:
                self.leader[user.profile.unit_id] = user
        # Each district leader is in charge of (包联) a share of the townships and streets.
        district_leaders = [users[name] for name in DISTRICT_LEADERS]
        self.leader_in_charge = {
            unit.pk: district_leaders[i % len(district_leaders)] for i, unit in enumerate(self.territories)
        }
        self.domains = {d.code: d for d in Domain.objects.filter(is_active=True)}
        self.categories = {}
        for category in Category.objects.select_related("domain", "parent"):
            path = f"{category.parent.name}/{category.name}" if category.parent_id else category.name
            self.categories[(category.domain.code, path)] = category
        # A domain an admin has switched off gets no risks.
        self.topics = [t for t in TOPICS if t.domain in self.domains]
        if not self.topics:
            raise SeedError("没有启用的安全领域，无法生成风险隐患（安全领域由 migrate 写入）。")

    def _pick(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _later(self, day: datetime.date, low: int, high: int) -> datetime.date:
        return min(day + datetime.timedelta(days=self.rng.randint(low, high)), self.today)

    def plan(self) -> Plan:
        rng = self.rng
        topic = rng.choices(self.topics, weights=[t.weight for t in self.topics])[0]
        kind = {"town": UnitKind.TOWNSHIP, "street": UnitKind.STREET}.get(topic.where)
        town = rng.choice([t for t in self.territories if kind is None or t.kind == kind])
        village = rng.choice(self.places[town.path]) if rng.random() < 0.8 else None
        found = self.today - datetime.timedelta(days=rng.randint(0, 364))
        level = self._pick(LEVEL_WEIGHTS)
        serious = level in (Level.MAJOR, Level.SIGNIFICANT)
        supervisor = self.departments.get(topic.supervisor)
        owner = supervisor if supervisor and rng.random() < 0.18 else town
        helpers = rng.sample(topic.cooperating, rng.randint(0, len(topic.cooperating)))
        cooperating = [self.departments[code] for code in helpers]
        if owner != town:
            cooperating.append(town)  # the territory helps the department that owns it (属地配合)
        source = self._pick(SOURCE_WEIGHTS)
        if topic.sources and rng.random() < 0.7:
            source = rng.choice(topic.sources)
        titles = {**topic.titles, **(topic.rural if town.kind == UnitKind.TOWNSHIP else {})}
        title = rng.choice(list(titles))
        hazard_grade = ""
        if topic.category.startswith("安全生产"):
            hazard_grade = HazardGrade.MAJOR if serious and rng.random() < 0.5 else HazardGrade.GENERAL
        risk = Risk(
            title=title.format(town=town.name, place=(village or town).name),
            description=f"{found.year}年{found.month}月{found.day}日{SOURCE_PHRASES[source]}。{rng.choice(FINDINGS)}",
            domain=self.domains[topic.domain],
            category=self.categories.get((topic.domain, topic.category)),
            level=level,
            hazard_grade=hazard_grade,
            source=source,
            found_on=found,
            township=town,
            village=village,
            address=f"榆次区{town.name}{village.name if village else ''}",
            owner_unit=owner,
            supervising_unit=supervisor,
            leader_in_charge=self.leader_in_charge[town.pk] if serious else None,
            measures=titles[title],
            deadline=found + datetime.timedelta(days=rng.randint(15, 120)),
            is_grey_rhino="rhino" in topic.tags and rng.random() < 0.15,
            is_black_swan="swan" in topic.tags and rng.random() < 0.1,
        )
        created_day = self._later(found, 0, 2) if rng.random() < 0.3 else found
        steps = self._story(risk, created_day, handover_to=supervisor if owner == town else None)
        return Plan(risk, self.official[owner.pk], cooperating, created_day, steps)

    def _outcome(self, risk: Risk, created_day: datetime.date) -> str:
        """The state the risk ends in, likelier closed the longer it has been open."""
        age = (self.today - created_day).days
        elapsed = age / (risk.deadline - risk.found_on).days
        if self.rng.random() < 0.04:
            return State.WITHDRAWN
        if age < 3:
            shares = (50, 50, 0, 0, 0)
        elif elapsed < 0.5:
            shares = (6, 14, 60, 8, 12)
        elif elapsed < 1:
            shares = (3, 5, 45, 12, 35)
        else:  # past its deadline: closed, or overdue
            shares = (2, 3, 19, 6, 70)
        states = (State.REPORTED, State.ASSIGNED, State.IN_PROGRESS, State.CLOSURE_PENDING, State.CLOSED)
        return self._pick(dict(zip(states, shares, strict=True)))

    def _story(self, risk: Risk, day: datetime.date, *, handover_to: Unit | None) -> list[Step]:
        """The calls that take the risk from 已登记 to its outcome, each with its day."""
        rng, steps = self.rng, []
        outcome = self._outcome(risk, day)
        owner = risk.owner_unit
        if handover_to and rng.random() < 0.03:
            steps += self._handover(owner, handover_to, day)
            day = steps[-1].day
            if steps[-1].service is workflow.risk_accept_handover:
                owner = handover_to
        official, leader = self.official[owner.pk], self.leader[owner.pk]
        # 重大 risks are approved by the district (the leader in charge), the others by the owner's leader.
        approver = risk.leader_in_charge if risk.level == Level.MAJOR else leader
        assign = Step(
            workflow.risk_assign, leader, self._later(day, 0, 3), responsible=official, text=ASSIGN_TEXT
        )
        if outcome == State.WITHDRAWN:
            if rng.random() < 0.5:
                steps.append(assign)
                day = assign.day
            withdrawer = self.leader_in_charge[risk.township.pk]  # a district leader
            reason = rng.choice(WITHDRAW_REASONS)
            steps.append(Step(workflow.risk_withdraw, withdrawer, self._later(day, 1, 30), reason=reason))
            return steps
        if outcome == State.REPORTED:
            return steps
        steps.append(assign)
        if outcome == State.ASSIGNED:
            return steps
        day = self._later(assign.day, 0, 2)
        steps.append(Step(workflow.risk_sign_for, official, day, text=rng.choice(SIGN_TEXTS)))

        closing = outcome in (State.CLOSURE_PENDING, State.CLOSED)
        if outcome == State.CLOSED:
            period = (risk.deadline - risk.found_on).days
            if rng.random() < 0.8:  # most are closed in time
                target = risk.found_on + datetime.timedelta(days=round(period * rng.uniform(0.45, 1.0)))
            else:
                target = risk.deadline + datetime.timedelta(days=rng.randint(1, 30))
        else:  # a pending closure was asked lately; open work was last reported some days ago
            target = self.today - datetime.timedelta(days=rng.randint(0, 15 if closing else 25))
        target = min(max(target, day), self.today)
        steps += self._middle(risk, official, approver, closing=closing, start=day, end=target)

        if closing:
            steps.append(
                Step(workflow.risk_request_closure, official, target, text=rng.choice(CLOSURE_TEXTS))
            )
        if outcome == State.CLOSED:
            day = self._later(target, 1, 6)
            steps.append(Step(workflow.risk_approve_closure, approver, day, text=rng.choice(APPROVAL_TEXTS)))
            if rng.random() < 0.04 and (self.today - day).days >= 10:  # reopened at a later visit
                day = self._later(day, 5, 40)
                steps.append(Step(workflow.risk_reopen, approver, day, reason=rng.choice(REOPEN_REASONS)))
                text = self._progress_texts(1)[0]
                steps.append(Step(workflow.risk_add_progress, official, self._later(day, 1, 10), text=text))
        return steps

    def _handover(self, owner: Unit, to: Unit, day: datetime.date) -> list[Step]:
        """The township finds the matter is the department's (转办); most are accepted."""
        asked = Step(
            workflow.risk_request_handover,
            self.leader[owner.pk],
            self._later(day, 0, 4),
            to_unit=to,
            reason=HANDOVER_REASON,
        )
        on = self._later(asked.day, 0, 3)
        if self.rng.random() < 0.75:
            answer = Step(workflow.risk_accept_handover, self.official[to.pk], on, text=HANDOVER_ACCEPTANCE)
        else:
            answer = Step(workflow.risk_refuse_handover, self.leader[to.pk], on, reason=HANDOVER_REFUSAL)
        return [asked, answer]

    def _middle(self, risk: Risk, official, approver, *, closing: bool, start, end) -> list[Step]:
        """Progress updates, perhaps an early closure request that is returned and an extension,
        spread between ``start`` and ``end``: blocks that each leave the risk in progress."""
        rng = self.rng
        updates = min(4, (end - start).days // 20 + rng.randint(0, 1))
        blocks = [
            [(workflow.risk_add_progress, official, {"text": text})] for text in self._progress_texts(updates)
        ]
        if closing and rng.random() < 0.12:
            blocks.append(
                [
                    (workflow.risk_request_closure, official, {"text": rng.choice(CLOSURE_TEXTS)}),
                    (workflow.risk_return_closure, approver, {"reason": rng.choice(RETURN_REASONS)}),
                    (workflow.risk_add_progress, official, {"text": RETURN_FOLLOW_UP}),
                ]
            )
        rng.shuffle(blocks)
        # An extension is asked when the deadline draws near, and before it passes; the service
        # checks the latter against today, so only risks due within the next month have one.
        # It comes last: asked once the work shows it cannot finish in time.
        if self.today <= risk.deadline <= self.today + datetime.timedelta(days=30) and rng.random() < 0.6:
            new_deadline = risk.deadline + datetime.timedelta(days=rng.randint(15, 45))
            reason = rng.choice(EXTENSION_REASONS)
            ask = (
                workflow.risk_request_extension,
                official,
                {"new_deadline": new_deadline, "reason": reason},
            )
            refuse = (workflow.risk_refuse_extension, approver, {"reason": EXTENSION_REFUSAL})
            approve = (workflow.risk_approve_extension, approver, {"text": EXTENSION_APPROVAL})
            answer = rng.random()
            if answer < 0.15:
                blocks.append([ask, refuse])
            elif answer < 0.6 or closing:
                blocks.append([ask, approve])
            else:
                blocks.append([ask])  # still waiting for an answer
        # Each block starts on a day of its own; its calls follow within days (an answer to a
        # request does not take weeks).
        steps, day = [], start
        for block, offset in zip(
            blocks, sorted(rng.randint(0, (end - start).days) for _ in blocks), strict=True
        ):
            day = max(day, start + datetime.timedelta(days=offset))
            for i, (service, by, kwargs) in enumerate(block):
                day = min(self._later(day, 1, 7), end) if i else day
                steps.append(Step(service, by, day, **kwargs))
        return steps

    def _progress_texts(self, count: int) -> list[str]:
        texts = self.rng.sample(PROGRESS_TEXTS, count)
        return [text.format(pct=self.rng.choice((30, 50, 60, 80, 90))) for text in texts]

    def moments(self, plan: Plan, now: datetime.datetime) -> list[datetime.datetime]:
        """A time in office hours on the day of the creation and of each step: in order (the steps
        of one day sorted), a few minutes apart at least, none after now."""
        times = []
        for day in [plan.created_day] + [step.day for step in plan.steps]:
            minute = self.rng.randint(8 * 60 + 30, 17 * 60 + 50)
            times.append(
                timezone.make_aware(datetime.datetime.combine(day, datetime.time(*divmod(minute, 60))))
            )
        times.sort()
        for i in range(1, len(times)):
            times[i] = max(times[i], times[i - 1] + datetime.timedelta(minutes=3))
        return [min(moment, now) for moment in times]


# ---------------------------------------------------------------------------------------------
# Running the plans


def seed_risks(*, units: dict[str, Unit], users: dict, count: int, seed: int) -> None:
    now = timezone.now()
    planner = Planner(rng=random.Random(seed), today=timezone.localdate(now), units=units, users=users)
    this_year = timezone.localtime(now).year
    counter_before = LedgerCounter.objects.filter(year=this_year).values_list("last", flat=True).first()
    moments = {}
    for _ in range(count):
        plan = planner.plan()
        risk = workflow.risk_create(by=plan.creator, risk=plan.risk, cooperating_units=plan.cooperating)
        for step in plan.steps:
            step.service(risk=risk, by=step.by, **step.kwargs)
        moments[risk.pk] = planner.moments(plan, now)
    _backdate(moments)
    _renumber(list(moments), this_year=this_year, counter_before=counter_before)


def _backdate(moments: dict[int, list[datetime.datetime]]) -> None:
    """Move each risk's timeline to its planned times: the services stamped everything now."""
    events = list(
        RiskEvent.objects.filter(risk_id__in=moments).order_by("risk_id", "id").only("id", "risk_id", "kind")
    )
    by_risk = defaultdict(list)
    for event in events:
        by_risk[event.risk_id].append(event)
    risks = list(Risk.objects.filter(pk__in=moments).only("id", "state"))
    for risk in risks:
        # One event per service call: a mismatch means a service wrote more than we planned for.
        for event, moment in zip(by_risk[risk.pk], moments[risk.pk], strict=True):
            event.at = moment
        timeline = by_risk[risk.pk]
        risk.created_at, risk.updated_at = timeline[0].at, timeline[-1].at
        approvals = [e.at for e in timeline if e.kind == EventKind.CLOSURE_APPROVED]
        risk.closed_at = approvals[-1] if risk.state == State.CLOSED else None
        reports = [e.at for e in timeline if e.kind in (EventKind.PROGRESS, EventKind.CLOSURE_REQUESTED)]
        risk.last_progress_at = reports[-1] if reports else None
    RiskEvent.objects.bulk_update(events, ["at"], batch_size=500)
    Risk.objects.bulk_update(
        risks, ["created_at", "updated_at", "closed_at", "last_progress_at"], batch_size=500
    )


def _renumber(pks: list[int], *, this_year: int, counter_before: int | None) -> None:
    """Give the risks ledger codes of the year they were logged in, in the order they were logged.

    The services numbered them all in this year. The counter is put back first: inside this
    transaction nobody else can have taken a number since (the counter row stays locked).
    """
    risks = list(Risk.objects.filter(pk__in=pks).order_by("created_at", "id").only("id", "created_at"))
    for risk in risks:
        risk.code = f"DEMO-{risk.pk}"  # out of the way, so no new code collides with an old one
    Risk.objects.bulk_update(risks, ["code"], batch_size=500)
    if counter_before is None:
        LedgerCounter.objects.filter(year=this_year).delete()
    else:
        LedgerCounter.objects.filter(year=this_year).update(last=counter_before)
    for risk in risks:
        risk.code = workflow.next_ledger_code(timezone.localtime(risk.created_at).year)
    Risk.objects.bulk_update(risks, ["code"], batch_size=500)


# ---------------------------------------------------------------------------------------------
# The whole district


@dataclass
class Summary:
    units: Counter
    people: Counter
    risks_created: int
    states: Counter
    overdue: int


@transaction.atomic
def seed(*, password: str, count: int = RISK_COUNT, seed: int = RANDOM_SEED) -> Summary:
    """Build the demo district, or complete it: units and accounts that exist are kept (accounts
    get the given password), and risks are made only when no demo account has logged any yet."""
    units = seed_units()
    users = seed_people(units, password)
    demo_risks = Risk.objects.filter(created_by__in=users.values())
    created = 0
    if not demo_risks.exists():
        seed_risks(units=units, users=users, count=count, seed=seed)
        created = count
    return Summary(
        units=Counter(unit.kind for unit in units.values()),
        people=Counter(user.profile.role for user in users.values()),
        risks_created=created,
        states=Counter(dict(demo_risks.values_list("state").annotate(n=Count("id")).order_by())),
        overdue=demo_risks.overdue().count(),
    )
