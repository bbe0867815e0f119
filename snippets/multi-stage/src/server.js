import { createServer } from "node:http";
import { describeUptime } from "./uptime.js";

const started = Date.now();
const port = Number(process.env.PORT ?? 3000);

const server = createServer((request, response) => {
  const uptime = describeUptime(Date.now() - started);
  response.end(`uptime-app (${process.env.NODE_ENV}): up ${uptime}\n`);
});

server.listen(port, () => console.log(`listening on port ${port}`));

// docker stop sends SIGTERM: close the server and exit cleanly.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
