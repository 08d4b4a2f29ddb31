// The Slack clients' HTTP transport against a real HTTP server on 127.0.0.1.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { keepAliveTransport } from "../../src/slack/transport/http-transport.js";

interface Received {
  readonly method: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

describe("Slack HTTP transport", () => {
  let server: http.Server;
  let base: string;
  let connections = 0;
  const received: Received[] = [];

  before(async () => {
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        received.push({ method: request.method ?? "", headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
        if (request.url === "/never") return;
        if (request.url === "/text") {
          response.writeHead(503, "Slow Down", { "content-type": "text/plain" });
          return void response.end("not json");
        }
        if (request.url === "/empty") {
          response.writeHead(204);
          return void response.end();
        }
        response.writeHead(200, "OK", [
          ["Content-Type", "application/json; charset=utf-8"],
          ["X-OAuth-Scopes", "chat:write"],
          ["Vary", "Accept"],
          ["Vary", "Origin"],
        ]);
        response.end(JSON.stringify({ ok: false, error: "channel_not_found", échoed: "ü" }));
      });
    });
    server.on("connection", () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("posts the body with its headers and length, and reads the answer once for every way of asking", async () => {
    const transport = keepAliveTransport();
    const body = "channel=C1&text=h%C3%A9llo";
    const answer = await transport(`${base}/api/chat.postMessage`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: "Bearer xoxb-test" },
      body,
    });
    const sent = received.at(-1);
    assert.equal(sent?.method, "POST");
    assert.equal(sent?.body, body);
    assert.equal(sent?.headers["content-length"], String(Buffer.byteLength(body)));
    assert.equal(sent?.headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(sent?.headers.authorization, "Bearer xoxb-test");

    assert.equal(answer.status, 200);
    assert.equal(answer.ok, true);
    assert.equal(answer.statusText, "OK");
    assert.equal(answer.url, `${base}/api/chat.postMessage`);
    assert.equal(answer.headers.get("x-oauth-scopes"), "chat:write", "names are matched whatever their case");
    assert.equal(answer.headers.get("X-OAUTH-SCOPES"), "chat:write");
    assert.equal(answer.headers.get("vary"), "Accept, Origin", "a repeated header's values are joined as fetch joins them");
    assert.equal(answer.headers.get("retry-after"), null);
    assert.deepEqual(new Map(answer.headers.entries()).get("content-type"), "application/json; charset=utf-8");

    const expected = { ok: false, error: "channel_not_found", échoed: "ü" };
    assert.deepEqual(answer.parsed, expected);
    assert.deepEqual(await answer.json(), expected);
    assert.equal(await answer.text(), JSON.stringify(expected));
    assert.equal(Buffer.from(await answer.arrayBuffer()).toString("utf8"), JSON.stringify(expected));
  });

  it("answers a body that is not JSON as text, with nothing parsed, and says the status is not ok", async () => {
    const answer = await keepAliveTransport()(`${base}/text`, { method: "POST", body: "x" });
    assert.equal(answer.status, 503);
    assert.equal(answer.ok, false);
    assert.equal(answer.statusText, "Slow Down");
    assert.equal(answer.parsed, undefined);
    assert.equal(await answer.text(), "not json");
    await assert.rejects(answer.json(), SyntaxError);
  });

  it("takes an answer without a body", async () => {
    const answer = await keepAliveTransport()(`${base}/empty`, { method: "POST", body: "" });
    assert.equal(answer.status, 204);
    assert.equal(await answer.text(), "");
  });

  it("keeps the connection open between calls", async () => {
    const transport = keepAliveTransport();
    await transport(`${base}/api/a`, { method: "POST", body: "1" });
    const opened = connections;
    for (let i = 0; i < 5; i += 1) await transport(`${base}/api/b`, { method: "POST", body: String(i) });
    assert.equal(connections, opened, "five more calls, no new connection");
  });

  it("gives up when the signal aborts, and sends nothing for a signal already aborted", async () => {
    const transport = keepAliveTransport();
    await assert.rejects(transport(`${base}/never`, { method: "POST", body: "x", signal: AbortSignal.timeout(50) }), {
      name: "TimeoutError",
    });

    const before = received.length;
    const aborted = AbortSignal.abort();
    await assert.rejects(transport(`${base}/api/c`, { method: "POST", body: "x", signal: aborted }), { name: "AbortError" });
    assert.equal(received.length, before);
  });

  it("fails a call nobody answers", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(keepAliveTransport()(`http://127.0.0.1:${port}/api/x`, { method: "POST", body: "x" }), { code: "ECONNREFUSED" });
  });

  it("hands a body other than a string (a file upload) to fetch, and still reads the answer once", async () => {
    const asked: string[] = [];
    const fallback: typeof fetch = async (input) => {
      asked.push(String(input));
      return new Response(JSON.stringify({ ok: true }), { status: 200, headers: { "X-Test": "yes" } });
    };
    const form = new FormData();
    form.set("file", "content");
    const answer = await keepAliveTransport(fallback)(`${base}/api/files.upload`, { method: "POST", body: form });
    assert.deepEqual(asked, [`${base}/api/files.upload`]);
    assert.deepEqual(answer.parsed, { ok: true });
    assert.equal(answer.headers.get("x-test"), "yes");
  });
});
