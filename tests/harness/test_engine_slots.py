"""Engine slots: each slot names a separate daemon, so two runs never share one."""

import os
import subprocess
import sys

SHOW = "import docproof.engine as e; print(e.NETNS, e.VETH_HOST, e.SUBNET, e.SOCKET, e.DATA_ROOT, e.CLAIM_LOCK)"


def names(slot: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOCPROOF_ENGINE_SLOT": slot}
    return subprocess.run([sys.executable, "-c", SHOW], env=env, capture_output=True, text=True)


def test_slot_zero_is_the_suites_engine():
    assert names("0").stdout.split() == [
        "docproof", "dp-host", "10.0.2.0/24", "/var/lib/docproof/api/docker.sock", "/var/lib/docproof/docker",
        "/run/lock/docproof-engine.lock",
    ]


def test_other_slots_share_nothing_with_slot_zero():
    three = names("3").stdout.split()
    assert three == [
        "docproof-3", "dp-host-3", "10.0.5.0/24", "/var/lib/docproof/api-3/docker.sock",
        "/var/lib/docproof/docker-3", "/run/lock/docproof-engine-3.lock",
    ]


def test_a_bad_slot_is_refused_with_its_value():
    result = names("12")
    assert result.returncode != 0
    assert "DOCPROOF_ENGINE_SLOT must be a number from 0 to 9, not '12'" in result.stderr
