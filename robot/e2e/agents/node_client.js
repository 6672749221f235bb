// A GitHub-style client in Node with no base-URL setting: GETs one URL and prints the status and body.
// `agent` as the second argument: use an https.Agent of its own, which reads no proxy variable (a leak).
"use strict";
const https = require("node:https");

const [url, mode] = process.argv.slice(2);
const done = (status, body) => { console.log(`STATUS ${status}`); console.log(body); };
const fail = (error) => { console.log(`ERROR ${error.cause?.code || error.code || error.message}`); process.exitCode = 1; };
if (mode === "agent") {
  https.get(url, { agent: new https.Agent() }, (response) => {
    let body = "";
    response.on("data", (part) => { body += part; });
    response.on("end", () => done(response.statusCode, body));
  }).on("error", fail);
} else {
  fetch(url, { headers: { accept: "application/vnd.github+json", "user-agent": "node-client" } })
    .then(async (response) => done(response.status, await response.text()), fail);
}
