"""factory_boy factories: units of the tree, people with a profile, and risks.

Risks made by RiskFactory are written straight to the database (a fixture's starting point);
tests that move a risk through its life use the services in risks.workflow (conftest.make_risk).
"""

import datetime
from importlib import import_module
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile

from risks.models import Domain, Level, Profile, Risk, Role, Unit, UnitKind, today

SHANGHAI = ZoneInfo("Asia/Shanghai")  # what "today" means for deadlines


class UnitFactory(factory.django.DjangoModelFactory):
    """A unit; ``parent=`` puts it under another unit, without it it becomes a root."""

    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"单位{n}")
    code = factory.Sequence(lambda n: f"U{n:04d}")
    kind = UnitKind.DEPARTMENT

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        # treebeard computes the path; it locks and re-reads the parent, so a parent object held
        # since before a sibling was added still gives the right place.
        if parent is None:
            return model_class.objects.add_root(kwargs)
        return model_class.objects.add_child(parent, kwargs)


def build_district() -> SimpleNamespace:
    """A small district: 榆次区 with two townships (and their villages), two departments and the
    security office. The units are read back at the end: sorted insertion may renumber siblings'
    paths, so objects held from the moment they were added could be stale."""
    root = UnitFactory(name="榆次区", code="yuci", kind=UnitKind.DISTRICT)
    xiuwen = UnitFactory(parent=root, name="修文镇", code="xiuwen", kind=UnitKind.TOWNSHIP, order=1)
    dongyang = UnitFactory(parent=root, name="东阳镇", code="dongyang", kind=UnitKind.TOWNSHIP, order=2)
    UnitFactory(parent=xiuwen, name="修文村", code="xiuwen-cun", kind=UnitKind.VILLAGE, order=1)
    UnitFactory(parent=xiuwen, name="东长寿村", code="dongchangshou-cun", kind=UnitKind.VILLAGE, order=2)
    UnitFactory(parent=dongyang, name="东阳村", code="dongyang-cun", kind=UnitKind.VILLAGE, order=1)
    UnitFactory(parent=root, name="应急管理局", code="yingji", kind=UnitKind.DEPARTMENT, order=3)
    UnitFactory(parent=root, name="住建局", code="zhujian", kind=UnitKind.DEPARTMENT, order=4)
    UnitFactory(parent=root, name="区委国安办", code="guoanban", kind=UnitKind.OFFICE, order=5)
    units = {unit.code: unit for unit in Unit.objects.all()}
    return SimpleNamespace(
        root=units["yuci"],
        xiuwen=units["xiuwen"],
        xiuwen_village=units["xiuwen-cun"],
        dongchangshou=units["dongchangshou-cun"],
        dongyang=units["dongyang"],
        dongyang_village=units["dongyang-cun"],
        emergency=units["yingji"],
        housing=units["zhujian"],
        office=units["guoanban"],
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = factory.Sequence(lambda n: f"张{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_active = True
    # Tests log in with force_login; hashing a password would only slow every fixture down.
    # (Set as a field, not post-generation: an unsaved change would differ from the row and
    # invalidate force_login's session.)
    password = factory.LazyFunction(lambda: make_password(None))


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Role.OFFICIAL
    phone = factory.Sequence(lambda n: f"138{n:08d}")


def person(*, role: str, unit: Unit, **user_fields):
    """A user with a profile of ``role`` in ``unit``."""
    return ProfileFactory(role=role, unit=unit, user=UserFactory(**user_fields)).user


def societal_domain() -> Domain:
    """社会安全, loaded by migration 0002 — and loaded again when an earlier transactional test
    (the live-server browser tests, for example) emptied every table, the domains included."""
    if not Domain.objects.filter(code="societal").exists():
        from django.apps import apps

        import_module("risks.migrations.0002_domains_and_categories").load(apps, None)
    return Domain.objects.get(code="societal")


class RiskFactory(factory.django.DjangoModelFactory):
    """A risk saved directly, in whatever state the test asks for (no timeline entries)."""

    class Meta:
        model = Risk
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"TEST-{n:05d}")  # never collides with allocated YC-… codes
    title = factory.Sequence(lambda n: f"风险隐患{n}")
    domain = factory.LazyFunction(societal_domain)
    level = Level.GENERAL
    found_on = factory.LazyFunction(today)
    township = factory.SubFactory(UnitFactory, kind=UnitKind.TOWNSHIP)
    owner_unit = factory.SelfAttribute("township")
    deadline = factory.LazyAttribute(lambda r: r.found_on + datetime.timedelta(days=30))
    created_by = factory.SubFactory(UserFactory)
    updated_by = factory.SelfAttribute("created_by")

    @factory.post_generation
    def cooperating_units(self, create, extracted, **kwargs):
        if create and extracted:
            self.cooperating_units.set(extracted)


# Uploads with real magic bytes: attachments are checked by content, not by name.
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def png_upload(name: str = "现场照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def pdf_upload(name: str = "整改报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def due_risk(*, unit: Unit, responsible, deadline: datetime.date, **fields) -> Risk:
    """An in-progress risk of ``unit`` with ``responsible`` and ``deadline``, saved directly: the
    reminder tests' starting point (found long before its deadline)."""
    from risks.models import State

    fields.setdefault("state", State.IN_PROGRESS)
    fields.setdefault("level", Level.GENERAL)
    # Get or create: an earlier transactional test's flush empties the migrated domains too.
    fields.setdefault(
        "domain", Domain.objects.get_or_create(code="societal", defaults={"name": "社会安全"})[0]
    )
    fields.setdefault("found_on", deadline - datetime.timedelta(days=200))
    return RiskFactory(
        township=unit,
        owner_unit=unit,
        responsible=responsible,
        deadline=deadline,
        created_by=responsible,
        **fields,
    )
