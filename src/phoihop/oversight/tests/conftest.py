"""Fixtures of the oversight tests: the Front's people and a supervision walked to any step."""

from __future__ import annotations

import datetime as dt

import pytest

from phoihop.oversight import services

D = dt.date
PASSWORD = "correct-horse-battery"


def _person(username, unit, role="officer"):
    from phoihop.orgs import services as org_services

    user = org_services.user_create(
        actor=None, username=username, password=PASSWORD, full_name=username.title(), audit=False
    )
    org_services.membership_grant(actor=None, user=user, unit=unit, role=role, audit=False)
    return user


@pytest.fixture
def front_leader(tree):
    return _person("mttq.chutich", tree["mttq"], role="leader")


@pytest.fixture
def commune_front_officer(tree):
    return _person("mttq.xa", tree["commune_mttq"])


@pytest.fixture
def sonv_officer(tree):
    return _person("sonoivu", tree["sonv"])


@pytest.fixture
def planned(tree, front_officer):
    """A provincial supervision of Sở Nội vụ and the ward's People's Committee, starting 20/01/2026."""
    return services.supervision_create(
        actor=front_officer,
        front_unit=tree["mttq"],
        title="Việc giải quyết kiến nghị của công dân",
        form="team",
        subjects=[tree["sonv"], tree["commune_ubnd"]],
        starts_on=D(2026, 1, 20),
        ends_on=D(2026, 1, 30),
        content="Việc tiếp nhận, giải quyết kiến nghị của công dân năm 2025.",
    )


def conclude(supervision, actor, *, on_date=None):
    """Walk a planned supervision to concluded (plan sent in time, team, one activity, one finding)."""
    services.supervision_notify(
        actor=actor, supervision=supervision, on_date=supervision.starts_on - dt.timedelta(days=15)
    )
    services.supervision_start(actor=actor, supervision=supervision)
    services.activity_add(
        actor=actor, supervision=supervision, kind="visit", date=supervision.starts_on, note="Làm việc tại trụ sở."
    )
    services.finding_add(actor=actor, supervision=supervision, text="Còn 12 kiến nghị chưa trả lời đúng hạn.")
    return services.supervision_conclude(
        actor=actor,
        supervision=supervision,
        conclusion="Cơ bản thực hiện đúng quy định.",
        on_date=on_date or D(2026, 2, 4),
    )


@pytest.fixture
def concluded(planned, front_officer):
    return conclude(planned, front_officer)


@pytest.fixture
def sent(concluded, front_officer, tree):
    """A recommendation to the ward's People's Committee, sent on 05/02/2026 (before Tết 2026)."""
    recommendation = services.recommendation_create(
        actor=front_officer,
        supervision=concluded,
        addressee=tree["commune_ubnd"],
        text="Công khai kết quả giải quyết kiến nghị tại trụ sở UBND phường.",
    )
    return services.recommendation_send(actor=front_officer, recommendation=recommendation, on_date=D(2026, 2, 5))


@pytest.fixture
def ward_sent(tree, commune_front_officer):
    """The ward Front's recommendation to its People's Committee, sent on 05/02/2026 (due 23/02)."""
    supervision = services.supervision_create(
        actor=commune_front_officer,
        front_unit=tree["commune_mttq"],
        title="Giám sát việc thu chi quỹ",
        form="document_review",
        subjects=[tree["commune_ubnd"]],
        starts_on=D(2026, 1, 20),
        ends_on=D(2026, 1, 21),
    )
    conclude(supervision, commune_front_officer)
    recommendation = services.recommendation_create(
        actor=commune_front_officer, supervision=supervision, addressee=tree["commune_ubnd"], text="Công khai quỹ."
    )
    return services.recommendation_send(
        actor=commune_front_officer, recommendation=recommendation, on_date=D(2026, 2, 5)
    )


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded answers and activity files go to a temporary folder, never the data folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
