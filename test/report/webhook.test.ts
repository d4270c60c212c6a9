import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookShipper, WebhookUrlError, describeWebhookProblem, parseWebhookUrl, type WebhookProblem } from '../../src/report/webhook.js';

interface ReceivedRequest {
  readonly body: string;
  readonly seq: number;
  readonly headers: IncomingHttpHeaders;
}

type Responder = (request: ReceivedRequest, index: number, response: ServerResponse) => void;

const ok: Responder = (_request, _index, response) => response.writeHead(200).end('ok');

interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

const openReceivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(openReceivers.splice(0).map((receiver) => receiver.close()));
});

/** A real HTTP server on a free local port, answering each request as `respond` says. */
async function startReceiver(respond: Responder): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request = { body, seq: (JSON.parse(body) as { seq: number }).seq, headers: incoming.headers };
      requests.push(request);
      respond(request, requests.length - 1, response);
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) waiter.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    received: (count) => (requests.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  openReceivers.push(receiver);
  return receiver;
}

/** Collects problems and lets a test wait for one. */
function problemRecorder() {
  const problems: WebhookProblem[] = [];
  const waiters: Array<{ matches: (problem: WebhookProblem) => boolean; resolve: (problem: WebhookProblem) => void }> = [];
  return {
    problems,
    onProblem(problem: WebhookProblem): void {
      problems.push(problem);
      for (const waiter of waiters.splice(0)) {
        if (waiter.matches(problem)) waiter.resolve(problem);
        else waiters.push(waiter);
      }
    },
    next(matches: (problem: WebhookProblem) => boolean): Promise<WebhookProblem> {
      const found = problems.find(matches);
      return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ matches, resolve }));
    },
  };
}

function event(seq: number) {
  return { type: 'degraded', seq, reason: `reason ${seq}` };
}

/** Long enough never to be reached: close() returns as soon as the queue is empty. */
const DRAIN_ALL = { drainMs: 60_000 };

describe('parseWebhookUrl', () => {
  it('accepts http: and https: URLs', () => {
    expect(parseWebhookUrl('https://hooks.example.com/x?token=1').host).toBe('hooks.example.com');
    expect(parseWebhookUrl('http://127.0.0.1:8080/').port).toBe('8080');
  });

  it('refuses anything else with one line naming --webhook', () => {
    expect(() => parseWebhookUrl('hooks.example.com')).toThrow('--webhook: "hooks.example.com" is not a URL');
    expect(() => parseWebhookUrl('ftp://example.com/')).toThrow('--webhook: only http: and https: URLs are supported, not ftp:');
    expect(() => parseWebhookUrl('file:///etc/passwd')).toThrow(WebhookUrlError);
    expect(() => parseWebhookUrl('https://user:secret@example.com/')).toThrow(/^--webhook: a user name or password/);
    expect(() => new WebhookShipper({ url: 'javascript:alert(1)' })).toThrow(WebhookUrlError);
  });
});

describe('WebhookShipper', () => {
  it('posts every event in order as JSON, signed, without sending anything before enqueue returns', async () => {
    const receiver = await startReceiver(ok);
    const key = Buffer.from('s'.repeat(32));
    const shipper = new WebhookShipper({ url: receiver.url, signingKey: key });
    for (let seq = 0; seq < 5; seq += 1) shipper.enqueue(event(seq));
    expect(shipper.stats()).toEqual({ pending: 5, delivered: 0, dropped: 0, failed: 0, retries: 0 });
    expect(await shipper.close(DRAIN_ALL)).toEqual({ pending: 0, delivered: 5, dropped: 0, failed: 0, retries: 0 });
    expect(receiver.requests.map((request) => JSON.parse(request.body) as unknown)).toEqual([0, 1, 2, 3, 4].map(event));
    for (const { body, headers } of receiver.requests) {
      expect(headers['content-type']).toBe('application/json');
      expect(headers['x-selfmod-dropped']).toBe('0');
      expect(headers['x-selfmod-signature']).toBe(`sha256=${createHmac('sha256', key).update(body).digest('hex')}`);
    }
    expect(new Set(receiver.requests.map((request) => request.headers['x-selfmod-delivery'])).size).toBe(5);
  });

  it('retries a failing receiver with the same delivery id, keeping order', async () => {
    const receiver = await startReceiver((request, index, response) => (index < 3 ? response.writeHead(503).end() : ok(request, index, response)));
    const recorder = problemRecorder();
    const shipper = new WebhookShipper({ url: receiver.url, initialBackoffMs: 1, onProblem: recorder.onProblem });
    for (let seq = 0; seq < 3; seq += 1) shipper.enqueue(event(seq));
    expect(await shipper.close(DRAIN_ALL)).toMatchObject({ pending: 0, delivered: 3, retries: 3, failed: 0 });
    expect(receiver.requests.map((request) => request.seq)).toEqual([0, 0, 0, 0, 1, 2]);
    expect(new Set(receiver.requests.slice(0, 4).map((request) => request.headers['x-selfmod-delivery'])).size).toBe(1);
    expect(recorder.problems).toMatchObject([1, 2, 3].map((attempt) => ({ kind: 'attempt-failed', seq: 0, attempt, reason: 'HTTP 503' })));
    expect(describeWebhookProblem(recorder.problems[0]!)).toMatch(/^webhook: event 0 not delivered \(HTTP 503\); attempt 2 in \d+ ms$/);
  });

  it('gives up on an event the receiver refuses or keeps failing, and goes on with the next', async () => {
    const receiver = await startReceiver((request, index, response) => {
      if (request.seq === 1) response.writeHead(400).end();
      else if (request.seq === 2) response.writeHead(500).end();
      else ok(request, index, response);
    });
    const recorder = problemRecorder();
    const shipper = new WebhookShipper({ url: receiver.url, initialBackoffMs: 1, maxAttempts: 3, onProblem: recorder.onProblem });
    for (let seq = 0; seq < 4; seq += 1) shipper.enqueue(event(seq));
    expect(await shipper.close(DRAIN_ALL)).toMatchObject({ delivered: 2, failed: 2, retries: 2 });
    expect(receiver.requests.map((request) => request.seq)).toEqual([0, 1, 2, 2, 2, 3]);
    expect(recorder.problems.filter((problem) => problem.kind === 'gave-up')).toEqual([
      { kind: 'gave-up', seq: 1, attempts: 1, reason: 'HTTP 400' },
      { kind: 'gave-up', seq: 2, attempts: 3, reason: 'HTTP 500' },
    ]);
  });

  it('times out a receiver that does not answer, then retries', async () => {
    const receiver = await startReceiver((request, index, response) => {
      if (index > 0) ok(request, index, response); // the first request is left hanging
    });
    const recorder = problemRecorder();
    const shipper = new WebhookShipper({ url: receiver.url, timeoutMs: 200, initialBackoffMs: 1, onProblem: recorder.onProblem });
    shipper.enqueue(event(0));
    shipper.enqueue(event(1));
    expect(await shipper.close(DRAIN_ALL)).toMatchObject({ delivered: 2, retries: 1 });
    expect(receiver.requests.map((request) => request.seq)).toEqual([0, 0, 1]);
    expect(recorder.problems).toEqual([{ kind: 'attempt-failed', seq: 0, attempt: 1, reason: 'no response within 200 ms', retryInMs: expect.any(Number) }]);
  });

  it('never blocks enqueue on a receiver that is down, and keeps its queue bound', async () => {
    const gone = await startReceiver(ok);
    await gone.close();
    const recorder = problemRecorder();
    const shipper = new WebhookShipper({ url: gone.url, maxQueued: 5, initialBackoffMs: 60_000, onProblem: recorder.onProblem });
    shipper.enqueue(event(0));
    expect(await recorder.next((problem) => problem.kind === 'attempt-failed')).toMatchObject({ seq: 0, reason: 'ECONNREFUSED' });
    // Event 0 now waits out a long backoff; everything enqueued meanwhile must return at once.
    for (let seq = 1; seq <= 20; seq += 1) expect(shipper.enqueue(event(seq))).toBeUndefined();
    expect(shipper.stats()).toMatchObject({ pending: 6, dropped: 15, delivered: 0 });
    const drops = recorder.problems.filter((problem) => problem.kind === 'dropped');
    expect(drops.map((problem) => problem.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(drops.at(-1)).toEqual({ kind: 'dropped', seq: 15, totalDropped: 15 });
    expect(await shipper.close({ drainMs: 0 })).toMatchObject({ pending: 6, delivered: 0, dropped: 15 });
  });

  it('tells later deliveries how many events were dropped', async () => {
    let release: () => void = () => undefined;
    const receiver = await startReceiver((request, index, response) => {
      if (index === 0) release = () => ok(request, index, response);
      else ok(request, index, response);
    });
    const shipper = new WebhookShipper({ url: receiver.url, maxQueued: 3 });
    shipper.enqueue(event(0));
    await receiver.received(1);
    for (let seq = 1; seq <= 10; seq += 1) shipper.enqueue(event(seq));
    release();
    expect(await shipper.close(DRAIN_ALL)).toMatchObject({ delivered: 4, dropped: 7, pending: 0 });
    expect(receiver.requests.map((request) => request.seq)).toEqual([0, 8, 9, 10]);
    expect(receiver.requests.map((request) => request.headers['x-selfmod-dropped'])).toEqual(['0', '7', '7', '7']);
  });

  it('keeps delivering when onProblem throws', async () => {
    const receiver = await startReceiver((request, index, response) => (index === 0 ? response.writeHead(502).end() : ok(request, index, response)));
    const shipper = new WebhookShipper({
      url: receiver.url,
      initialBackoffMs: 1,
      onProblem: () => {
        throw new Error('callback bug');
      },
    });
    shipper.enqueue(event(0));
    expect(await shipper.close(DRAIN_ALL)).toMatchObject({ delivered: 1, retries: 1 });
  });

  it('drops events enqueued after close, counting them', async () => {
    const receiver = await startReceiver(ok);
    const recorder = problemRecorder();
    const shipper = new WebhookShipper({ url: receiver.url, onProblem: recorder.onProblem });
    await shipper.close(DRAIN_ALL);
    shipper.enqueue(event(0));
    expect(shipper.stats()).toMatchObject({ dropped: 1, pending: 0 });
    expect(recorder.problems).toEqual([{ kind: 'dropped', seq: 0, totalDropped: 1 }]);
    expect(receiver.requests).toEqual([]);
  });
});
