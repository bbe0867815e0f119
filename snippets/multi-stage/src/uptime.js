import ms from "ms";

// How long the server has been up, in words: "3 seconds", "2 minutes".
export function describeUptime(milliseconds) {
  return ms(milliseconds, { long: true });
}
