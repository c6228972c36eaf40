"""Properties of the multi-account state: accounts never see each other's sets; dumps round-trip."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from driftcheck.emulator.identity import DEFAULT_ACCOUNT
from driftcheck.emulator.state import Fleet, parse_state
from tests.emulator.helpers import sns

ACCOUNTS = [DEFAULT_ACCOUNT, "111111111111", "222222222222"]
REGIONS = ["us-east-1", "eu-west-1"]
NAMES = ["a", "b", "c"]
EXAMPLES = settings(max_examples=100, deadline=None)

# (account, region, set name, create?) steps: create a set, or delete it
steps = st.lists(
    st.tuples(
        st.sampled_from(ACCOUNTS), st.sampled_from(REGIONS), st.sampled_from(NAMES), st.booleans()
    ),
    max_size=30,
)


@EXAMPLES
@given(steps)
def test_every_account_holds_exactly_its_own_writes(
    steps: list[tuple[str, str, str, bool]],
) -> None:
    fleet = Fleet()
    model: dict[tuple[str, str], set[str]] = {}
    for account, region, name, create in steps:
        sets = model.setdefault((account, region), set())
        state = fleet.account(account)
        if create and name not in sets:
            state.create_set(region, name)
            sets.add(name)
        elif not create and name in sets:
            state.delete_set(region, name)
            sets.discard(name)
    for account in ACCOUNTS:
        for region in REGIONS:
            listed, more = fleet.account(account).list_sets(region, None, 100)
            assert (listed, more) == (sorted(model.get((account, region), set())), False)


documents = st.fixed_dictionaries(
    {
        "regions": st.dictionaries(
            st.sampled_from(REGIONS),
            st.dictionaries(st.sampled_from(NAMES), st.just({"d": sns()}), max_size=2),
            max_size=2,
        ),
        "accounts": st.dictionaries(
            st.sampled_from(ACCOUNTS[1:]),
            st.fixed_dictionaries(
                {},
                optional={
                    "name": st.sampled_from(["prod", "staging"]),
                    "status": st.sampled_from(["ACTIVE", "SUSPENDED", "PENDING_CLOSURE"]),
                    "regions": st.dictionaries(
                        st.sampled_from(REGIONS),
                        st.dictionaries(st.sampled_from(NAMES), st.just({}), max_size=2),
                        max_size=2,
                    ),
                    "roles": st.dictionaries(
                        st.sampled_from(["read", "write"]),
                        st.fixed_dictionaries(
                            {},
                            optional={"external_id": st.just("x"), "denied": st.booleans()},
                        ),
                        max_size=2,
                    ),
                },
            ),
            max_size=2,
        ),
    },
    optional={"sts": st.builds(lambda n: {"credential_lifetime_seconds": n}, st.integers(1, 99))},
)


@EXAMPLES
@given(documents)
def test_a_dump_reloads_to_the_same_dump(document: dict[str, Any]) -> None:
    fleet = Fleet(parse_state({"version": 1, **document}, "test"))
    dumped = fleet.dump()
    assert Fleet(parse_state(dumped, "dump")).dump() == dumped
    for account, entry in document["accounts"].items():
        regions = {r: sets for r, sets in entry.get("regions", {}).items() if sets}
        assert dumped["accounts"][account].get("regions", {}) == regions
