from __future__ import annotations

import math

import pytest

from ferrotune.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    _json_to_distribution,
    check_distribution_compatibility,
    distribution_to_json,
    json_to_distribution,
)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"low": 2.0, "high": 1.0}, "low=2.0"),
        ({"low": 0.0, "high": 1.0, "log": True}, "low > 0"),
        ({"low": -1.0, "high": 1.0, "log": True}, "low=-1.0"),
        ({"low": 0.1, "high": 1.0, "log": True, "step": 0.1}, "step"),
        ({"low": 0.0, "high": 1.0, "step": 0.0}, "step=0.0"),
        ({"low": 0.0, "high": 1.0, "step": -1.0}, "step=-1.0"),
    ],
)
def test_float_distribution_rejects_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        FloatDistribution(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"low": 5, "high": 1}, "low=5"),
        ({"low": 0, "high": 10, "log": True}, "low >= 1"),
        ({"low": 1, "high": 10, "log": True, "step": 2}, "step=2"),
        ({"low": 1, "high": 10, "step": 0}, "step=0"),
    ],
)
def test_int_distribution_rejects_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        IntDistribution(**kwargs)


def test_step_that_does_not_fit_lowers_high_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="not divisible"):
        dist = FloatDistribution(0.0, 1.0, step=0.3)
    assert dist.high == pytest.approx(0.9)
    with pytest.warns(UserWarning, match="not divisible"):
        idist = IntDistribution(0, 10, step=3)
    assert idist.high == 9


def test_categorical_rejects_empty_and_warns_on_unhashable_choices() -> None:
    with pytest.raises(ValueError, match="one or more"):
        CategoricalDistribution([])
    # Optuna 5.0 only warns for dict (unhashable) choices; it does not raise.
    with pytest.warns(UserWarning, match="contains {'foo': 'bar'} which is of type dict"):
        dist = CategoricalDistribution(({"foo": "bar"},))  # type: ignore[arg-type]
    assert dist.choices == ({"foo": "bar"},)
    assert dist.to_internal_repr({"foo": "bar"}) == 0.0


def test_categorical_warns_on_non_portable_choices() -> None:
    with pytest.warns(UserWarning, match="persistent storage"):
        CategoricalDistribution([(1, 2), "a"])  # type: ignore[list-item]


def test_internal_representation_round_trip() -> None:
    fd = FloatDistribution(1e-3, 1.0, log=True)
    assert fd.to_internal_repr(0.5) == 0.5
    assert fd.to_external_repr(0.5) == 0.5
    idist = IntDistribution(0, 10)
    assert idist.to_internal_repr(3) == 3.0 and idist.to_external_repr(3.0) == 3
    cd = CategoricalDistribution(["a", None, 2.5, float("nan")])
    assert cd.to_internal_repr(None) == 1.0
    assert cd.to_internal_repr(2.5) == 2.0
    assert cd.to_internal_repr(float("nan")) == 3.0
    assert cd.to_external_repr(0.0) == "a"
    with pytest.raises(ValueError, match="'b' not in"):
        cd.to_internal_repr("b")
    with pytest.raises(ValueError, match="invalid value"):
        fd.to_internal_repr(-1.0)
    with pytest.raises(ValueError, match="float-castable"):
        fd.to_internal_repr("x")


def test_contains_and_single() -> None:
    assert FloatDistribution(0, 1, step=0.25)._contains(0.75)
    assert not FloatDistribution(0, 1, step=0.25)._contains(0.7)
    assert not IntDistribution(0, 10, step=2)._contains(3)
    assert FloatDistribution(1, 1).single()
    assert not FloatDistribution(0.0, 0.2, step=0.1).single()
    with pytest.warns(UserWarning, match="not divisible"):
        assert IntDistribution(0, 1, step=2).single()
    assert not IntDistribution(0, 2, step=2).single()
    assert CategoricalDistribution(["a"]).single()


@pytest.mark.parametrize(
    "dist",
    [
        FloatDistribution(-1.0, 2.0),
        FloatDistribution(1e-5, 1.0, log=True),
        FloatDistribution(0.0, 1.0, step=0.25),
        IntDistribution(1, 100, log=True),
        IntDistribution(-4, 8, step=2),
        CategoricalDistribution(["a", 1, None, 2.5, True]),
    ],
)
def test_json_round_trip(dist: object) -> None:
    assert json_to_distribution(distribution_to_json(dist)) == dist  # type: ignore[arg-type]


def test_json_reads_optuna_legacy_and_abbreviated_forms() -> None:
    legacy = '{"name": "LogUniformDistribution", "attributes": {"low": 0.1, "high": 1.0}}'
    with pytest.warns(FutureWarning, match="LogUniformDistribution has been deprecated"):
        old = json_to_distribution(legacy)
    assert type(old).__name__ == "LogUniformDistribution"  # as Optuna's json_to_distribution
    assert old.log and (old.low, old.high) == (0.1, 1.0)  # type: ignore[attr-defined]
    # What storages read: the current class, without a warning.
    assert _json_to_distribution(legacy) == FloatDistribution(0.1, 1.0, log=True)
    short = '{"type": "int", "low": 0, "high": 4, "step": 2}'
    assert json_to_distribution(short) == IntDistribution(0, 4, step=2)
    with pytest.raises(ValueError, match="Unknown distribution class: Foo"):
        json_to_distribution('{"name": "Foo", "attributes": {}}')


def test_compatibility_checks() -> None:
    check_distribution_compatibility(FloatDistribution(0, 1), FloatDistribution(-5, 5))
    with pytest.raises(ValueError, match="different distribution kind"):
        check_distribution_compatibility(FloatDistribution(0, 1), IntDistribution(0, 1))
    with pytest.raises(ValueError, match="log configuration"):
        check_distribution_compatibility(
            FloatDistribution(0.1, 1), FloatDistribution(0.1, 1, log=True)
        )
    with pytest.raises(ValueError, match="dynamic value space"):
        check_distribution_compatibility(
            CategoricalDistribution(["a"]), CategoricalDistribution(["b"])
        )


def test_equality_and_hash() -> None:
    assert FloatDistribution(0, 1) == FloatDistribution(0.0, 1.0)
    assert hash(FloatDistribution(0, 1)) == hash(FloatDistribution(0.0, 1.0))
    assert FloatDistribution(0, 1) != IntDistribution(0, 1)
    assert CategoricalDistribution([math.nan]) == CategoricalDistribution([math.nan])
