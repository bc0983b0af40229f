// Load client for bench_rooms.py: N Socket.IO clients of one room in one Node process.
//
// It speaks Engine.IO 4 / Socket.IO 5 over plain WebSockets (the `ws` package that
// socket.io-client itself uses), offering compression as browsers do, and never parses
// what it does not need: a broadcast is recognised by its prefix and its send time read
// from the message body, so one core can drive thousands of sockets. Senders and
// receivers share this process's clock, so send-to-receipt latency needs no clock sync.
//
// Usage: node load_client.mjs CONFIG.json, then commands on stdin, one a line:
//   join, saturate, latency, quit. Each answers with one JSON line on stdout.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const require = createRequire(fileURLToPath(new URL("../frontend/package.json", import.meta.url)));
const WebSocket = require("ws");

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { url, origin, namespace, room, tokens } = config;
const WS_URL = `${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`;
const EVENT_PREFIX = Buffer.from(`42${namespace},["event",`);
const PRESENCE_PREFIX = Buffer.from(`42${namespace},["presence",`);
const ACK_PREFIX = `43${namespace},`;
const BODY_KEY = '"body":"';
const PADDING = " the remittance corridor costs too much".repeat(2);

function startsWith(raw, prefix) {
  return raw.length >= prefix.length && prefix.compare(raw, 0, prefix.length) === 0;
}

function now() {
  return performance.now();
}

function out(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

function summary(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : null,
  };
}

// What all clients heard, by phase: s (saturation), l (latency), w (warm-up).
const heard = { s: 0, l: 0, w: 0 };
let lastReceipt = 0;
let latencies = [];
let failures = 0;
let presenceBytes = 0;

class Client {
  constructor(index, token) {
    this.index = index;
    this.token = token;
    this.nextAck = 0;
    this.acks = new Map();
    this.sent = 0;
  }

  // Open the socket, connect to the namespace and join the room; resolves on the join ack.
  open() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(WS_URL, { origin, perMessageDeflate: true, skipUTF8Validation: true });
      this.ws = ws;
      ws.on("error", reject);
      ws.on("close", () => {
        this.closed = true;
      });
      ws.on("message", (raw) => {
        // Broadcasts are read straight from the bytes, presence snapshots (everyone in
        // the room) skipped whole: the client's cost per frame delays later receivers.
        if (startsWith(raw, PRESENCE_PREFIX)) {
          presenceBytes += raw.length;
          return;
        }
        if (startsWith(raw, EVENT_PREFIX)) {
          const at = now();
          let body = raw.indexOf(BODY_KEY);
          if (body < 0) return;
          body += BODY_KEY.length;
          const phase = String.fromCharCode(raw[body]);
          if (!(phase in heard)) return;
          let end = body + 1;
          while (end < raw.length && (raw[end] === 46 || (raw[end] >= 48 && raw[end] <= 57))) end++;
          heard[phase] += 1;
          lastReceipt = at;
          if (phase === "l") latencies.push(at - Number(raw.toString("latin1", body + 1, end)));
          return;
        }
        const text = raw.toString();
        const kind = text.charCodeAt(0);
        if (kind === 50 /* "2": ping */) {
          ws.send("3");
        } else if (kind === 48 /* "0": open */) {
          const auth = this.token ? JSON.stringify({ token: this.token }) : "";
          ws.send(`40${namespace},${auth}`);
        } else if (text.startsWith(ACK_PREFIX)) {
          const bracket = text.indexOf("[", ACK_PREFIX.length);
          const id = Number(text.slice(ACK_PREFIX.length, bracket));
          const callback = this.acks.get(id);
          if (callback) {
            this.acks.delete(id);
            callback(text.slice(bracket));
          }
        } else if (text.startsWith(`40${namespace}`)) {
          this.emit("join", { room }).then((ack) => {
            if (ack.startsWith('[{"ok":true') || ack.startsWith('[{"ok": true')) resolve();
            else reject(new Error(`join refused: ${ack.slice(0, 200)}`));
          });
        } else if (text.startsWith(`44${namespace}`)) {
          reject(new Error(`connection refused: ${text.slice(0, 200)}`));
        }
      });
    });
  }

  // Emit an event with an acknowledgement; resolves with the raw ack arguments.
  emit(name, data) {
    const id = this.nextAck++;
    return new Promise((resolve) => {
      this.acks.set(id, resolve);
      this.ws.send(`42${namespace},${id}${JSON.stringify([name, data])}`);
    });
  }

  say(phase) {
    this.sent += 1;
    const sentAt = now();
    return this.emit("say", {
      room,
      body: `${phase}${sentAt.toFixed(3)}${PADDING}`,
      client_id: `b${this.index}-${phase}${this.sent}`,
    }).then((ack) => {
      if (!ack.startsWith('[{"ok":true')) {
        failures += 1;
        if (failures <= 3) process.stderr.write(`say refused: ${ack.slice(0, 300)}\n`);
      }
      return now() - sentAt;
    });
  }

  close() {
    this.ws.terminate();
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function openAll(clients, concurrency) {
  let next = 0;
  async function worker() {
    while (next < clients.length) {
      const client = clients[next++];
      await client.open();
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, worker));
}

async function waitForReceipts(phase, expected, timeoutMs) {
  const deadline = now() + timeoutMs;
  while (heard[phase] < expected && now() < deadline) await sleep(5);
}

const clients = tokens.slice(0, config.n).map((token, index) => new Client(index, token));

async function warmUp() {
  // A few connections, messages and goodbyes, so first-use costs stay out of the figures.
  const warm = tokens.slice(0, 3).map((token, index) => new Client(900000 + index, token));
  await openAll(warm, warm.length);
  for (let round = 0; round < 5; round++) await Promise.all(warm.map((c) => c.say("w")));
  for (const client of warm) client.close();
  await sleep(1500);
}

async function join() {
  const started = now();
  await openAll(clients, config.join_concurrency);
  const joinMs = now() - started;
  await sleep(config.settle_ms);
  return { phase: "joined", join_ms: joinMs, clients: clients.length, presence_bytes: presenceBytes };
}

function cpuSeconds(since) {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

async function saturate() {
  const cpu = process.cpuUsage();
  const total = config.saturation_messages;
  const senders = clients.slice(0, Math.min(config.saturation_senders, clients.length));
  const start = heard.s;
  const expected = start + total * clients.length;
  let remaining = total;
  const acks = [];
  const started = now();
  await Promise.all(
    senders.map(async (client) => {
      while (remaining > 0) {
        remaining -= 1;
        acks.push(await client.say("s"));
      }
    }),
  );
  const atLastAck = heard.s;
  await waitForReceipts("s", expected, 60000);
  const received = heard.s - start;
  const seconds = (lastReceipt - started) / 1000;
  return {
    phase: "saturated",
    messages: total,
    deliveries: received,
    expected: total * clients.length,
    seconds,
    deliveries_per_second: received / seconds,
    ack_ms: summary(acks),
    failures,
    pending_at_last_ack: expected - atLastAck,
    client_cpu_s: cpuSeconds(cpu),
  };
}

async function latency() {
  const cpu = process.cpuUsage();
  latencies = [];
  const count = Math.round(config.latency_seconds * config.latency_rate);
  const interval = 1000 / config.latency_rate;
  const expected = heard.l + count * clients.length;
  const acks = [];
  const pending = [];
  const started = now();
  for (let i = 0; i < count; i++) {
    const due = started + i * interval;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    const client = clients[(i * 7919) % clients.length];
    pending.push(client.say("l").then((ms) => acks.push(ms)));
  }
  await Promise.all(pending);
  await waitForReceipts("l", expected, 30000);
  return {
    phase: "latency",
    messages: count,
    deliveries: latencies.length,
    expected: count * clients.length,
    seconds: (now() - started) / 1000,
    receipt_ms: summary(latencies),
    client_cpu_s: cpuSeconds(cpu),
    ack_ms: summary(acks),
    failures,
  };
}

const commands = { join, saturate, latency };

async function main() {
  await warmUp();
  out({ phase: "ready" });
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const command = line.trim();
    if (command === "quit") break;
    const run = commands[command];
    if (!run) {
      out({ phase: "error", error: `unknown command ${command}` });
      continue;
    }
    try {
      out(await run());
    } catch (error) {
      out({ phase: "error", error: String(error && error.stack ? error.stack : error) });
    }
  }
  for (const client of clients) if (client.ws) client.close();
  process.exit(0);
}

main().catch((error) => {
  out({ phase: "error", error: String(error && error.stack ? error.stack : error) });
  process.exit(1);
});
