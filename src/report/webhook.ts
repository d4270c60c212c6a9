import { createHmac, randomUUID } from 'node:crypto';
import { SelfmodError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';

/** `--webhook` was given something that is not an http: or https: URL. */
export class WebhookUrlError extends SelfmodError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** Checks a `--webhook` value; throws WebhookUrlError with a one-line message. */
export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookUrlError(`--webhook: ${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WebhookUrlError(`--webhook: only http: and https: URLs are supported, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    // fetch refuses them, and they would be echoed in messages; the URL is not printed here either.
    throw new WebhookUrlError('--webhook: a user name or password in the URL is not supported; put a token in the path or query');
  }
  return url;
}

/** Something that went wrong in the background; the watcher marks itself degraded. */
export type WebhookProblem =
  | { readonly kind: 'attempt-failed'; readonly seq: number | null; readonly attempt: number; readonly reason: string; readonly retryInMs: number }
  | { readonly kind: 'gave-up'; readonly seq: number | null; readonly attempts: number; readonly reason: string }
  | { readonly kind: 'dropped'; readonly seq: number | null; readonly totalDropped: number };

/** A problem in one line, e.g. for a `degraded` event. */
export function describeWebhookProblem(problem: WebhookProblem): string {
  const event = problem.seq === null ? 'an event' : `event ${problem.seq}`;
  switch (problem.kind) {
    case 'attempt-failed':
      return `webhook: ${event} not delivered (${problem.reason}); attempt ${problem.attempt + 1} in ${Math.round(problem.retryInMs)} ms`;
    case 'gave-up':
      return `webhook: gave up on ${event} after ${problem.attempts} ${problem.attempts === 1 ? 'attempt' : 'attempts'} (${problem.reason})`;
    case 'dropped':
      return `webhook: queue full, dropped ${event} (${problem.totalDropped} dropped so far)`;
  }
}

export interface WebhookOptions {
  readonly url: string | URL;
  /** Events waiting beyond the one being sent; the oldest is dropped past this. Default 1000. */
  readonly maxQueued?: number;
  /** Per request, connection to response headers. Default 10 s. */
  readonly timeoutMs?: number;
  /** Tries per event before giving up on it and moving on. Default 8. */
  readonly maxAttempts?: number;
  /** First retry delay; doubles each attempt, with jitter, up to maxBackoffMs. Defaults 500 ms, 30 s. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** With a key, each request carries `X-Selfmod-Signature: sha256=<HMAC of the body>`. */
  readonly signingKey?: Buffer | null;
  /** Called for each problem; must not block. What it throws is ignored so it cannot stop delivery. */
  readonly onProblem?: (problem: WebhookProblem) => void;
}

export interface WebhookStats {
  /** Events not yet delivered: waiting, and the one being sent. */
  readonly pending: number;
  readonly delivered: number;
  /** Dropped because the queue was full (or the shipper closed). */
  readonly dropped: number;
  /** Given up on after maxAttempts, or refused by the server (a 4xx other than 408 and 429). */
  readonly failed: number;
  /** Attempts that failed and were retried. */
  readonly retries: number;
}

interface QueuedEvent {
  readonly body: string;
  readonly seq: number | null;
  /** The same on every attempt, so a receiver can drop a duplicate after a lost reply. */
  readonly deliveryId: string;
}

type AttemptOutcome = { readonly isDelivered: true } | { readonly isDelivered: false; readonly isRetryable: boolean; readonly reason: string; readonly retryAfterMs: number };

/**
 * Ships events to a webhook, one POST per event with the event as its JSON body, in order, in the
 * background. `enqueue` never waits: detection must not slow down because a receiver is slow or
 * down. A failed request is retried with exponential backoff and jitter; a full queue drops its
 * oldest event, and the running count goes out with every later request (`X-Selfmod-Dropped`).
 * Problems go to `onProblem`; nothing is thrown from the background.
 */
export class WebhookShipper {
  private readonly url: URL;
  private readonly maxQueued: number;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly signingKey: Buffer | null;
  private readonly onProblem: (problem: WebhookProblem) => void;
  private readonly queue: QueuedEvent[] = [];
  /** Aborted when close()'s deadline passes: the request in flight and any backoff end at once. */
  private readonly stop = new AbortController();
  private loop: Promise<void> | null = null;
  private isSending = false;
  private closing: Promise<WebhookStats> | null = null;
  private delivered = 0;
  private dropped = 0;
  private failed = 0;
  private retries = 0;

  /** Throws WebhookUrlError for a URL that is not http: or https:. */
  constructor(options: WebhookOptions) {
    this.url = parseWebhookUrl(String(options.url));
    this.maxQueued = Math.max(1, options.maxQueued ?? 1000);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 8);
    this.initialBackoffMs = options.initialBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.signingKey = options.signingKey ?? null;
    this.onProblem = options.onProblem ?? (() => undefined);
  }

  /** Queues an event for delivery and returns at once. After close(), the event is dropped. */
  enqueue(event: object): void {
    const seq = seqOf(event);
    if (this.closing !== null) {
      this.dropped += 1;
      this.report({ kind: 'dropped', seq, totalDropped: this.dropped });
      return;
    }
    let body: string;
    try {
      body = JSON.stringify(event);
    } catch (error) {
      this.failed += 1;
      this.report({ kind: 'gave-up', seq, attempts: 0, reason: `cannot be sent as JSON: ${(error as Error).message}` });
      return;
    }
    this.queue.push({ body, seq, deliveryId: randomUUID() });
    if (this.queue.length > this.maxQueued) {
      const oldest = this.queue.shift();
      this.dropped += 1;
      this.report({ kind: 'dropped', seq: oldest?.seq ?? null, totalDropped: this.dropped });
    }
    this.loop ??= this.deliverAll().catch((error: unknown) => {
      // Not expected (every step catches its own errors), but a background rejection must not go unhandled.
      this.report({ kind: 'gave-up', seq: null, attempts: 0, reason: `webhook shipper failed: ${error instanceof Error ? error.message : String(error)}` });
    });
  }

  stats(): WebhookStats {
    return {
      pending: this.queue.length + (this.isSending ? 1 : 0),
      delivered: this.delivered,
      dropped: this.dropped,
      failed: this.failed,
      retries: this.retries,
    };
  }

  /**
   * Stops taking events and tries to deliver what is queued for up to `drainMs` (default 5 s); then
   * abandons the rest. Resolves with the final counts; `pending` is what was never delivered.
   */
  close(options: { drainMs?: number } = {}): Promise<WebhookStats> {
    this.closing ??= (async () => {
      const deadline = setTimeout(() => this.stop.abort(), options.drainMs ?? 5000);
      try {
        await this.loop;
      } finally {
        clearTimeout(deadline);
        this.stop.abort();
      }
      return this.stats();
    })();
    return this.closing;
  }

  private async deliverAll(): Promise<void> {
    // Yield first: enqueue() returns before any request is started.
    await Promise.resolve();
    try {
      while (!this.stop.signal.aborted) {
        const next = this.queue.shift();
        if (next === undefined) break;
        this.isSending = true;
        const isDone = await this.deliver(next);
        this.isSending = false;
        if (!isDone) this.queue.unshift(next); // stopped mid-delivery: still pending
      }
    } finally {
      this.isSending = false;
      this.loop = null;
    }
  }

  /** Tries one event until delivered or given up (true), or until stopped (false). */
  private async deliver(event: QueuedEvent): Promise<boolean> {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attempt(event);
      if (outcome.isDelivered) {
        this.delivered += 1;
        return true;
      }
      if (this.stop.signal.aborted) return false;
      if (!outcome.isRetryable || attempt >= this.maxAttempts) {
        this.failed += 1;
        this.report({ kind: 'gave-up', seq: event.seq, attempts: attempt, reason: outcome.reason });
        return true;
      }
      this.retries += 1;
      const retryInMs = Math.max(this.backoff(attempt), Math.min(outcome.retryAfterMs, this.maxBackoffMs));
      this.report({ kind: 'attempt-failed', seq: event.seq, attempt, reason: outcome.reason, retryInMs });
      await sleep(retryInMs, this.stop.signal);
      if (this.stop.signal.aborted) return false;
    }
  }

  private async attempt(event: QueuedEvent): Promise<AttemptOutcome> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': `selfmod/${TOOL_VERSION}`,
      'x-selfmod-delivery': event.deliveryId,
      'x-selfmod-dropped': String(this.dropped),
    };
    if (this.signingKey !== null) {
      headers['x-selfmod-signature'] = `sha256=${createHmac('sha256', this.signingKey).update(event.body, 'utf8').digest('hex')}`;
    }
    // One controller per attempt, aborted by its own timer or by close()'s deadline.
    const controller = new AbortController();
    let isTimedOut = false;
    const timer = setTimeout(() => {
      isTimedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const onStop = () => controller.abort();
    this.stop.signal.addEventListener('abort', onStop, { once: true });
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers,
        body: event.body,
        // A redirect could turn the POST into a GET or send events somewhere unexpected.
        redirect: 'manual',
        signal: controller.signal,
      });
      // The reply's body is not needed; cancelling it frees the connection for the next event.
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { isDelivered: true };
      const status = response.status;
      const isRetryable = status === 408 || status === 425 || status === 429 || status >= 500;
      const reason = status >= 300 && status < 400 ? `HTTP ${status}, a redirect, not followed` : `HTTP ${status}`;
      return { isDelivered: false, isRetryable, reason, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    } catch (error) {
      const reason = isTimedOut ? `no response within ${this.timeoutMs} ms` : this.describeFailure(error);
      return { isDelivered: false, isRetryable: true, reason, retryAfterMs: 0 };
    } finally {
      clearTimeout(timer);
      this.stop.signal.removeEventListener('abort', onStop);
    }
  }

  private describeFailure(error: unknown): string {
    if (this.stop.signal.aborted) return 'stopped at the close deadline';
    // fetch reports "fetch failed" and puts the network error (ECONNREFUSED, ENOTFOUND) in cause.
    const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
    return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  }

  /** Exponential with "equal jitter": half the step fixed, half random, so retries from many watchers spread out. */
  private backoff(attempt: number): number {
    const step = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (attempt - 1));
    return step / 2 + Math.random() * (step / 2);
  }

  private report(problem: WebhookProblem): void {
    try {
      this.onProblem(problem);
    } catch {
      // The callback's own failure has nowhere to go but here, and must not stop delivery.
    }
  }
}

function seqOf(event: object): number | null {
  const seq = (event as { seq?: unknown }).seq;
  return typeof seq === 'number' ? seq : null;
}

/** Retry-After in seconds (the HTTP-date form is rare for webhooks and is ignored). */
function retryAfterMs(value: string | null): number {
  if (value === null || !/^\d+$/.test(value.trim())) return 0;
  return Number(value.trim()) * 1000;
}

/** Waits, or stops early when `signal` aborts. Unref'd: a retry alone does not keep the process up. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
