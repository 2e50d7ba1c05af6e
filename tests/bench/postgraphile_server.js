// PostGraphile 4 as a library under Node's cluster, for tests/bench/test_postgraphile.py: the
// district schema exposed as is, no GraphiQL, no default mutations, no schema watching, no query
// log. Configuration from the environment:
//   BENCH_NODE_MODULES  folder holding node_modules/postgraphile (installed outside the repository)
//   BENCH_PORT          port on 127.0.0.1
//   BENCH_WORKERS       worker processes (default 2)
//   BENCH_SCHEMA        PostgreSQL schema to expose (default wanzhou)
//   BENCH_TRIVIAL       when set: answer every request with this fixed body instead (no
//                       PostGraphile, no database): the load generator's own ceiling
//   PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE  the database (PGHOST may be a socket folder)
"use strict";

const cluster = require("node:cluster");
const http = require("node:http");
const path = require("node:path");

const port = Number(process.env.BENCH_PORT);
const workers = Number(process.env.BENCH_WORKERS || "2");

function handler() {
  const trivial = process.env.BENCH_TRIVIAL;
  if (trivial !== undefined) {
    const body = Buffer.from(trivial);
    return (request, response) => {
      request.resume();
      request.on("end", () => {
        response.writeHead(200, {
          "Content-Type": "application/json; charset=utf-8",
          "Content-Length": body.length,
        });
        response.end(body);
      });
    };
  }
  const modules = path.join(process.env.BENCH_NODE_MODULES, "node_modules");
  const { postgraphile } = require(path.join(modules, "postgraphile"));
  const pgConfig = {
    host: process.env.PGHOST,
    port: Number(process.env.PGPORT || "5432"),
    user: process.env.PGUSER,
    password: process.env.PGPASSWORD || undefined,
    database: process.env.PGDATABASE,
    max: 10,
  };
  return postgraphile(pgConfig, [process.env.BENCH_SCHEMA || "wanzhou"], {
    graphqlRoute: "/graphql/",
    graphiql: false,
    watchPg: false,
    disableQueryLog: true,
    disableDefaultMutations: true,
    retryOnInitFail: false,
    enableQueryBatching: false,
    legacyRelations: "omit",
    setofFunctionsContainNulls: false,
    ignoreRBAC: true,
    extendedErrors: [],
    showErrorStack: false,
  });
}

if (cluster.isPrimary) {
  let shuttingDown = false;
  for (let i = 0; i < workers; i += 1) cluster.fork();
  cluster.on("exit", (worker, code, signal) => {
    if (!shuttingDown) {
      console.error(`worker ${worker.process.pid} exited (${signal || code})`);
      process.exitCode = 1;
    }
  });
  process.on("SIGTERM", () => {
    shuttingDown = true;
    for (const worker of Object.values(cluster.workers)) worker.kill("SIGTERM");
    setTimeout(() => process.exit(0), 2000).unref();
  });
} else {
  const server = http.createServer(handler());
  server.keepAliveTimeout = 60000;
  server.headersTimeout = 61000;
  server.listen(port, "127.0.0.1");
  process.on("SIGTERM", () => process.exit(0));
}
