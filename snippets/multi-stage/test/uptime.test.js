import assert from "node:assert/strict";
import { test } from "node:test";
import { describeUptime } from "../src/uptime.js";

test("uptime is described in words", () => {
  assert.equal(describeUptime(3000), "3 seconds");
  assert.equal(describeUptime(120000), "2 minutes");
});
