// Installs the newest npm of a major version from the npm registry into /usr/local, where the
// official node image has it: /usr/local/lib/node_modules/npm, with npm and npx on the PATH.
"use strict";
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");

const major = process.argv[2];
const registry = "https://registry.npmjs.org";

async function main() {
  const response = await fetch(`${registry}/npm`, {
    headers: { accept: "application/vnd.npm.install-v1+json" },
  });
  if (!response.ok) throw new Error(`${registry}/npm: HTTP ${response.status}`);
  const doc = await response.json();
  const releases = Object.keys(doc.versions)
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v) && v.split(".")[0] === major)
    .sort((a, b) => {
      const [x, y] = [a, b].map((v) => v.split(".").map(Number));
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    });
  if (releases.length === 0) throw new Error(`no npm ${major}.x release in ${registry}`);
  const version = releases[releases.length - 1];
  const tarball = doc.versions[version].dist.tarball;
  const archive = Buffer.from(await (await fetch(tarball)).arrayBuffer());
  fs.writeFileSync("/tmp/npm.tgz", archive);
  const target = "/usr/local/lib/node_modules/npm";
  fs.mkdirSync(target, { recursive: true });
  execFileSync("tar", ["-xzf", "/tmp/npm.tgz", "-C", target, "--strip-components=1", "--no-same-owner"]);
  fs.unlinkSync("/tmp/npm.tgz");
  fs.mkdirSync("/usr/local/bin", { recursive: true });
  for (const tool of ["npm", "npx"]) {
    const link = `/usr/local/bin/${tool}`;
    fs.rmSync(link, { force: true });
    fs.symlinkSync(`../lib/node_modules/npm/bin/${tool}-cli.js`, link);
  }
  console.log(`npm ${version} from ${tarball}`);
}

main().catch((error) => {
  console.error(`install-npm: ${error.stack || error}`);
  process.exit(1);
});
