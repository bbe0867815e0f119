"""Engine slots: each slot names a separate daemon, so two runs never share one."""

import pytest

from docproof import engine
from docproof.slot import Slot, SlotError


def names(slot: Slot) -> list[str]:
    return [slot.netns, slot.veth_host, slot.subnet, str(slot.socket), str(slot.data_root), str(slot.claim_lock)]


def test_slot_zero_is_the_suites_engine():
    assert names(Slot.from_environment({})) == [
        "docproof", "dp-host", "10.0.2.0/24", "/var/lib/docproof/api/docker.sock", "/var/lib/docproof/docker",
        "/run/lock/docproof-engine.lock",
    ]


def test_other_slots_share_nothing_with_slot_zero():
    assert names(Slot.from_environment({"DOCPROOF_ENGINE_SLOT": "3"})) == [
        "docproof-3", "dp-host-3", "10.0.5.0/24", "/var/lib/docproof/api-3/docker.sock",
        "/var/lib/docproof/docker-3", "/run/lock/docproof-engine-3.lock",
    ]


def test_slots_share_the_catalogs_storage_only():
    zero, three = Slot(0), Slot(3)
    assert zero.registry_storage == three.registry_storage
    assert zero.registry_addr != three.registry_addr and zero.home_dir != three.home_dir


@pytest.mark.parametrize("value", ["12", "-1", "two"])
def test_a_bad_slot_is_refused_with_its_value(value):
    with pytest.raises(SlotError, match=f"DOCPROOF_ENGINE_SLOT must be a number from 0 to 9, not '{value}'"):
        Slot.from_environment({"DOCPROOF_ENGINE_SLOT": value})


def test_importing_the_engine_module_reads_no_slot(monkeypatch):
    # A bad value fails when an engine is asked for, with a message, not when a module is imported.
    monkeypatch.setenv("DOCPROOF_ENGINE_SLOT", "12")
    with pytest.raises(engine.EngineError, match="not '12'"):
        engine.own_engine()


def test_an_extra_host_of_a_page_has_names_of_its_own_and_its_slots_registry():
    five = Slot(5)
    node2 = five.extra_host("node2")
    assert names(node2)[:1] + names(node2)[3:5] == [
        "docproof-5-node2", "/var/lib/docproof/api-5-node2/docker.sock", "/var/lib/docproof/docker-5-node2",
    ]
    assert node2.hostname == "node2" and five.hostname == "docker-host"
    assert node2.registry_addr == five.registry_addr and node2.site_cert == five.site_cert
    assert Slot(0).extra_host("node2").netns == "docproof-0-node2"  # never slot 0's own `docproof`
    assert (five.lan_bridge, five.lan_prefix) == ("dp-lan5", "10.1.5")
